using System.Text.Json.Nodes;
using AccreditationReporting.Access;
using AccreditationReporting.Api.V1;
using AccreditationReporting.Tests.Fixtures;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace AccreditationReporting.Tests.Exports;

/// <summary>
/// Purpose limitation end to end, over ten thousand generated learners across the four policy
/// versions, two joint providers, rectifications, later events and erasures. Every file of every
/// recipient is checked: no column or learner the policy, claim or permission does not allow; no
/// learner of one joint provider in another's file; no identifier collected under a policy that
/// shares nothing; no erased value, and no superseded value outside the Delete rows that take it
/// back, in a file made after the change; and, replaying every Add and Delete, each recipient ends up
/// holding exactly the eligible learners with their current values. The seed is printed on failure.
/// </summary>
public sealed class PurposeLimitationPropertyTests(PurposeLimitationPropertyTests.TwoJointProviders fixture)
    : IClassFixture<PurposeLimitationPropertyTests.TwoJointProviders>
{
    public sealed class TwoJointProviders : ExportServiceFixture
    {
        protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
        {
            ["JointProviders:cme-consultants:Name"] = "CME Consultants",
            ["JointProviders:heartcare-ed:Name"] = "HeartCare Education",
        };
    }

    private const int Learners = 10_000;
    private const int Changed = 300;
    private const string Pars = "accme-pars-learners";
    private const string CmeConsultants = "joint-provider/cme-consultants";
    private const string HeartCare = "joint-provider/heartcare-ed";
    private static readonly string[] Recipients = [Pars, "accme-pars-activities", "eaccme-events", CmeConsultants, HeartCare];
    private static readonly string[] Policies = ["medmastery-2017-06-20", "mayo-cme-2018-06-15", "ismrm-2016-11-21", "mayo-medical-laboratories-2014-12-17"];
    private static readonly string[] NameStarts = ["", "", "", "=", "+", "-", "@"];

    private sealed record Generated(
        int N, string Policy, bool Physician, bool Ama, bool Moc, bool Board, bool State, string? JointProvider, JsonObject Json)
    {
        public string FirstName => (string)Json["learner"]!["firstName"]!;

        public string LearnerId => (string)Json["learner"]!["learnerId"]!;

        public string LastName { get; set; } = (string)Json["learner"]!["lastName"]!;

        public string Licence { get; set; } = (string)Json["learner"]!["licenseId"]!;

        public string BoardId { get; set; } = (string)Json["learner"]!["boards"]![0]!["boardId"]!;

        public bool Erased { get; set; }

        /// <summary>Values a file made after the change may only hold in rows that take them back.</summary>
        public List<string> Superseded { get; } = [];

        /// <summary>Values no file made after the erasure may hold at all.</summary>
        public List<string> ErasedValues { get; } = [];
    }

    [Fact]
    public async Task NoRecipientGetsWhatItsPolicyClaimOrConsentDoesNotAllow()
    {
        var seed = Environment.GetEnvironmentVariable("EXPORT_PROPERTY_SEED") is { } s ? int.Parse(s, System.Globalization.CultureInfo.InvariantCulture) : Random.Shared.Next();
        var random = new Random(seed);
        var run = Guid.NewGuid().ToString("N")[..8];
        var generated = Enumerable.Range(0, Learners).Select(n => Generate(random, run, n)).ToList();

        // One learner in ten is also known to a Mayo Medical Laboratories platform, later, with other
        // identifiers: that policy shares nothing outside Mayo Clinic, so they must appear nowhere.
        var labs = generated.Where(g => g.N % 10 == 7 && g.Policy != Policies[3]).Select(g => LabsEvent(run, g)).ToList();
        await PublishAsync([.. generated.Select(g => g.Json), .. labs], seed);

        var files = new List<(string Recipient, ExportFile File, int Phase)>();
        foreach (var recipient in Recipients)
        {
            files.Add((recipient, (await fixture.CreateAndDownloadAsync(recipient)).File, 1));
        }

        // Then the learners' rights and life go on: rectifications, later events, erasures.
        var picked = generated.OrderBy(_ => random.Next()).Take(3 * Changed).ToList();
        var privacy = new PrivacyService.PrivacyServiceClient(fixture.Service.CreateChannel(StaffRoles.PrivacyOfficer));
        foreach (var g in picked.Take(Changed))
        {
            // Every other one has the board ID corrected too.
            g.Superseded.AddRange([g.LastName, g.Licence]);
            (g.LastName, g.Licence) = ($"R{Letters(g.N)}x{run}", $"LICR-{run}-{Letters(g.N)}-Z");
            var request = new RectifyLearnerRequest { LearnerId = g.LearnerId, RequestReference = $"DSR-{run}-{g.N}", LastName = g.LastName, LicenseId = g.Licence };
            if (g.N % 2 == 0)
            {
                g.Superseded.Add(g.BoardId);
                g.BoardId = $"BR-{run}-{Letters(g.N)}-Z";
                request.BoardIds.Add(new BoardIdCorrection { Board = "ABIM", BoardId = g.BoardId });
            }

            await privacy.RectifyLearnerAsync(request);
        }

        var later = new List<JsonObject>();
        foreach (var g in picked.Skip(Changed).Take(Changed))
        {
            // A retake of the same activity, with a name the platform has since corrected.
            g.Superseded.Add(g.LastName);
            g.LastName = $"L{Letters(g.N)}x{run}";
            var retake = JsonNode.Parse(g.Json.ToJsonString())!.AsObject();
            retake["eventId"] = Guid.NewGuid().ToString();
            retake["occurredAt"] = "2026-11-22T10:00:00Z";
            retake["learner"]!["lastName"] = g.LastName;
            later.Add(retake);
        }

        await PublishAsync(later, seed);
        foreach (var g in picked.Skip(2 * Changed))
        {
            g.Erased = true;
            g.ErasedValues.AddRange([g.Licence, g.BoardId]);
            await privacy.EraseLearnerAsync(new EraseLearnerRequest { LearnerId = g.LearnerId, RequestReference = $"DSR-{run}-{g.N}" });
        }

        foreach (var recipient in Recipients)
        {
            var next = await fixture.Exports.CreateBatchAsync(new CreateBatchRequest { Recipient = recipient });
            if (next.Created)
            {
                files.Add((recipient, await fixture.DownloadAsync(next.Batch.Id), 2));
            }
        }

        var byFirstName = generated.ToDictionary(g => g.FirstName.Length > 0 && "=+-@".Contains(g.FirstName[0]) ? "'" + g.FirstName : g.FirstName);
        var formats = AccreditationReporting.Exports.ExportCatalog.Load(
            null, null, Policies.ToHashSet(), [new("cme-consultants", "CME Consultants"), new("heartcare-ed", "HeartCare Education")]).Exports;
        var held = Recipients.ToDictionary(r => r, _ => new List<Dictionary<string, string>>());
        foreach (var (recipient, file, phase) in files)
        {
            var why = $"{recipient}, phase {phase} (seed {seed})";
            Assert.Equal(formats[recipient].Format.Columns.Select(c => c.Header), file.Headers);
            Assert.DoesNotContain("canary", file.Text, StringComparison.Ordinal);
            Assert.DoesNotContain($"LABS-{run}", file.Text, StringComparison.Ordinal);
            Assert.DoesNotContain(file.Rows.SelectMany(r => r.Values), cell => BirthYearIn(cell));
            if (recipient is "accme-pars-activities" or "eaccme-events")
            {
                Assert.DoesNotContain($"F{run}", file.Text, StringComparison.Ordinal);
                continue;
            }

            foreach (var row in file.Rows)
            {
                var takesBack = row.GetValueOrDefault("Record Action") == "Delete" || row.GetValueOrDefault("Record Status") == "withdrawn";
                if (takesBack)
                {
                    Replay(held[recipient], row, recipient, why);
                    continue;
                }

                var g = byFirstName[row["First Name"]];
                Assert.True(Eligible(recipient, g), $"{why}: learner {g.N} is not eligible: {g.Json.ToJson()}");
                Assert.True(g.State || row["Licensing ID or NPI"] == "", $"{why}: licence without permission");
                Assert.True(g.Board || row["Certifying Board"] == "", $"{why}: board without permission");
                Assert.True(g.Board || g.State || row["Date of Birth (MM/DD)"] == "", $"{why}: birth date without permission");
                held[recipient].Add(row);
            }

            if (phase == 2)
            {
                foreach (var g in generated)
                {
                    Assert.All(g.ErasedValues, v => Assert.DoesNotContain(v, file.Text, StringComparison.Ordinal));
                    var added = file.Rows.Where(r => r.GetValueOrDefault("Record Action") != "Delete" && r.GetValueOrDefault("Record Status") != "withdrawn");
                    Assert.All(g.Superseded, v => Assert.DoesNotContain(added, r => r.Values.Contains(v)));
                }
            }
        }

        // What each recipient holds now is every eligible learner, once, with the current values.
        foreach (var recipient in new[] { Pars, CmeConsultants, HeartCare })
        {
            var holding = held[recipient].GroupBy(r => byFirstName[r["First Name"]]).ToDictionary(h => h.Key.N, h => h.ToList());
            var expected = generated.Where(g => Eligible(recipient, g) && !g.Erased).Select(g => g.N).Order().ToList();
            Assert.True(expected.SequenceEqual(holding.Keys.Order()),
                $"{recipient} holds {holding.Count} learners, {expected.Count} expected (seed {seed}); first unexpected: {holding.Keys.Except(expected).FirstOrDefault()}, first missing: {expected.Except(holding.Keys).FirstOrDefault()}");
            foreach (var (n, rows) in holding)
            {
                var g = generated[n];
                Assert.All(rows, r => Assert.Equal(g.LastName, r["Last Name"]));
                Assert.All(rows, r => Assert.True(r["Licensing ID or NPI"] is "" || r["Licensing ID or NPI"] == g.Licence, $"{recipient}: learner {n} held with an old licence (seed {seed})"));
                Assert.All(rows, r => Assert.True(r["Certifying Board ID"] is "" || r["Certifying Board ID"] == g.BoardId, $"{recipient}: learner {n} held with an old board ID (seed {seed})"));
                if (recipient != Pars)
                {
                    Assert.Single(rows);
                }
            }
        }
    }

    /// <summary>The columns an erasure empties in the stored files, and so in a Delete read back from them.</summary>
    private static readonly HashSet<string> Redacted = ["Licensing State", "Licensing ID or NPI", "Certifying Board ID"];

    /// <summary>
    /// A Delete takes back exactly one held row with the same values (an erased learner's identifiers
    /// empty: the file it is read back from was redacted); a withdrawal, the record with its ID.
    /// </summary>
    private static void Replay(List<Dictionary<string, string>> held, Dictionary<string, string> row, string recipient, string why)
    {
        var index = recipient == Pars
            ? held.FindIndex(h => h.Where(c => c.Key != "Record Action").All(c => row[c.Key] == c.Value || (Redacted.Contains(c.Key) && row[c.Key] == "")))
            : held.FindIndex(h => h["Record ID"] == row["Record ID"]);
        Assert.True(index >= 0, $"{why}: a {(recipient == Pars ? "Delete" : "withdrawal")} of something the recipient does not hold");
        held.RemoveAt(index);
    }

    private async Task PublishAsync(IReadOnlyList<JsonObject> events, int seed)
    {
        var bus = fixture.Service.Services.GetRequiredService<IBus>();
        foreach (var chunk in events.Chunk(500))
        {
            await Task.WhenAll(chunk.Select(e => bus.Publish(e.ToMessage())));
        }

        var ids = events.Select(e => Guid.Parse((string)e["eventId"]!)).ToArray();
        await Eventually.TrueAsync(
            async () => await fixture.Service.Database.ScalarAsync<long>(
                "SELECT count(*) FROM accreditation.processed_events WHERE event_id = ANY(@ids)", ("ids", ids)) == ids.Length,
            TimeSpan.FromMinutes(3),
            $"{ids.Length} generated events stored (seed {seed})");
    }

    private static bool BirthYearIn(string cell) =>
        // Generated birth years are 1931-1949: no date, credit or name this data makes holds one as a number of its own.
        // (Hex and hyphen neighbours are parts of record IDs, which are UUIDs; an ISO date would start the cell.)
        System.Text.RegularExpressions.Regex.IsMatch(cell, @"(^|[^0-9a-f-])19[34][0-9]($|[^0-9a-f-])|^19[34][0-9]-");

    /// <summary>A number written in letters, so no name can look like a birth year.</summary>
    private static string Letters(int n) => n < 26 ? ((char)('a' + n)).ToString() : Letters((n / 26) - 1) + (char)('a' + (n % 26));

    private static bool Eligible(string recipient, Generated g) => recipient switch
    {
        Pars => g.Policy is "mayo-cme-2018-06-15" or "ismrm-2016-11-21" && (g.Board || g.State) && g.Physician && (g.Ama || g.Moc),
        CmeConsultants => g.Policy is not "mayo-medical-laboratories-2014-12-17" && g.Ama && g.JointProvider == CmeConsultants,

        // Seed 001 names CME Consultants as its one joint provider.
        HeartCare => g.Policy is "mayo-cme-2018-06-15" or "ismrm-2016-11-21" && g.Ama && g.JointProvider == HeartCare,
        _ => false,
    };

    private static JsonObject LabsEvent(string run, Generated g) => SampleEvents.Fresh(e =>
    {
        e["policyVersion"] = "mayo-medical-laboratories-2014-12-17";
        e["occurredAt"] = "2026-11-21T10:00:00Z";
        e["learner"] = JsonNode.Parse(g.Json["learner"]!.ToJsonString());
        e["learner"]!["licenseId"] = $"LABS-{run}-{Letters(g.N)}";
        e["learner"]!["boards"] = new JsonArray(new JsonObject { ["board"] = "ABIM", ["boardId"] = $"LABS-{run}-b{Letters(g.N)}" });
        e["activity"]!["activityId"] = $"gen-{run}-labs-{g.N % 20}";
        e["activity"]!["jointProvider"] = "cme-consultants";
        e["claims"] = new JsonArray(new JsonObject { ["creditType"] = "ama-pra-category-1", ["amount"] = 1 });
        e["consents"] = new JsonObject { ["boardReporting"] = true, ["stateBoardReporting"] = true };
    }).Json;

    private static Generated Generate(Random random, string run, int n)
    {
        var policy = Policies[random.Next(Policies.Length)];
        var physician = random.Next(4) > 0;
        var board = random.Next(2) == 0;
        var state = random.Next(2) == 0;
        var ama = physician && random.Next(3) > 0;
        var moc = physician && board && random.Next(2) == 0;
        var ecmec = random.Next(3) == 0;

        // Activity details are per activity (the newest event's win), so they follow from the activity,
        // not the learner. Activities name their joint provider by name or by ID.
        var activity = n % 100;
        var (jointProvider, namedAs) = (activity % 5) switch
        {
            0 => ((string?)null, (string?)null),
            1 or 2 => (CmeConsultants, "CME Consultants"),
            _ => (HeartCare, "heartcare-ed"),
        };
        var claims = new JsonArray();
        if (ama)
        {
            claims.Add(new JsonObject { ["creditType"] = "ama-pra-category-1", ["amount"] = 0.25 * random.Next(1, 33) });
        }

        if (moc)
        {
            claims.Add(new JsonObject { ["creditType"] = "moc", ["amount"] = 0.25 * random.Next(1, 33), ["board"] = "ABIM", ["mocCreditType"] = "Medical Knowledge" });
        }

        if (ecmec)
        {
            claims.Add(new JsonObject { ["creditType"] = "ecmec", ["amount"] = 0.5 * random.Next(1, 13) });
        }

        if (!physician || claims.Count == 0)
        {
            claims.Add(new JsonObject { ["creditType"] = physician ? "ama-pra-category-1" : "participation", ["amount"] = 1 });
            ama |= physician;
        }

        var json = SampleEvents.Fresh(e =>
        {
            e["policyVersion"] = policy;
            e["occurredAt"] = "2026-11-20T10:00:00Z";
            var learner = e["learner"]!;
            learner["learnerId"] = $"gen-{run}-{n}";
            learner["firstName"] = $"{NameStarts[random.Next(NameStarts.Length)]}F{run}-{Letters(n)}";
            learner["lastName"] = $"L{Letters(random.Next(1000))}";
            learner["email"] = $"canary-{run}-{n}@example.org";
            learner["birthYear"] = 1931 + random.Next(19);
            learner["profession"] = physician ? "physician" : "other";
            learner["npi"] = null;
            // Ended, so that no learner's value holds another's (LIC-x-a is in LIC-x-ab, LIC-x-a-Z is not).
            learner["licenseId"] = $"LIC-{run}-{Letters(n)}-Z";
            learner["boards"] = new JsonArray(new JsonObject { ["board"] = "ABIM", ["boardId"] = $"B-{run}-{Letters(n)}-Z" });
            var a = e["activity"]!;
            a["activityId"] = $"gen-{run}-activity-{activity}";
            a["accmeActivityId"] = $"9{activity:00000000}";
            a["eaccmeEventCode"] = $"EV-{run}-{activity}";
            a["format"] = "internet-live";
            a["jointProvider"] = namedAs;
            a["designatedCredits"]!["ecmec"] = 6;
            e["assessment"]!["score"] = 50 + random.Next(50);
            e["quizAnswers"] = new JsonArray($"canary-{run}-{n}-answer-B", $"canary-{run}-{n}-answer-D");
            e["claims"] = claims;
            e["consents"] = new JsonObject { ["boardReporting"] = board, ["stateBoardReporting"] = state };
        }).Json;
        return new Generated(n, policy, physician, ama, moc, board, state, jointProvider, json);
    }
}
