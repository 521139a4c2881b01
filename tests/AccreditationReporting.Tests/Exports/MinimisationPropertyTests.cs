using System.Text.Json.Nodes;
using AccreditationReporting.Tests.Fixtures;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace AccreditationReporting.Tests.Exports;

/// <summary>
/// Ten thousand generated learners through every recipient: no column outside the recipient's set,
/// nobody without the qualifying claim and permission, every eligible learner present, and planted
/// canaries (email, birth year, quiz answers) in no file. The seed is printed on failure so a
/// failing case can be replayed.
/// </summary>
public sealed class MinimisationPropertyTests(ExportServiceFixture fixture) : IClassFixture<ExportServiceFixture>
{
    private const int Learners = 10_000;
    private static readonly string[] Policies = ["medmastery-2017-06-20", "mayo-cme-2018-06-15", "ismrm-2016-11-21", "mayo-medical-laboratories-2014-12-17"];
    private static readonly string[] NameStarts = ["", "", "", "=", "+", "-", "@"];

    private sealed record Generated(
        int N, string Policy, bool Physician, bool Ama, bool Ecmec, bool Moc, bool Board, bool State, bool JointlyProvided, int BirthYear, JsonObject Json)
    {
        public string FirstName => (string)Json["learner"]!["firstName"]!;
    }

    [Fact]
    public async Task NoFileHoldsAFieldOrALearnerItsPolicyDoesNotAllow()
    {
        var seed = Environment.GetEnvironmentVariable("EXPORT_PROPERTY_SEED") is { } s ? int.Parse(s, System.Globalization.CultureInfo.InvariantCulture) : Random.Shared.Next();
        var random = new Random(seed);
        var run = Guid.NewGuid().ToString("N")[..8];
        var generated = Enumerable.Range(0, Learners).Select(n => Generate(random, run, n)).ToList();

        var bus = fixture.Service.Services.GetRequiredService<IBus>();
        foreach (var chunk in generated.Chunk(500))
        {
            await Task.WhenAll(chunk.Select(g => bus.Publish(g.Json.ToMessage())));
        }

        await Eventually.TrueAsync(
            async () => await fixture.Service.Database.ScalarAsync<long>(
                "SELECT count(*) FROM accreditation.completions c JOIN accreditation.learners l ON l.id = c.learner_key WHERE l.learner_id LIKE @run",
                ("run", $"gen-{run}-%")) == Learners,
            TimeSpan.FromMinutes(3),
            $"{Learners} generated completions stored (seed {seed})");

        var byFirstName = generated.ToDictionary(g => g.FirstName.Length > 0 && "=+-@".Contains(g.FirstName[0]) ? "'" + g.FirstName : g.FirstName);
        var formats = AccreditationReporting.Exports.ExportCatalog.Load(null, null, Policies.ToHashSet()).Exports;
        foreach (var recipient in new[] { "accme-pars-learners", "accme-pars-activities", "eaccme-events", "joint-provider" })
        {
            var (_, file) = await fixture.CreateAndDownloadAsync(recipient);
            var rows = file.Rows;
            Assert.Equal(formats[recipient].Format.Columns.Select(c => c.Header), file.Headers);
            foreach (var g in generated)
            {
                Assert.False(file.Text.Contains($"canary-{run}-{g.N}", StringComparison.Ordinal), $"a canary reached {recipient} (seed {seed})");
            }

            Assert.DoesNotContain(rows.SelectMany(r => r.Values), cell => cell.Contains("canary", StringComparison.Ordinal));
            Assert.DoesNotContain(rows.SelectMany(r => r.Values), cell => generated.Count > 0 && BirthYearIn(cell, run));

            if (recipient is "accme-pars-activities" or "eaccme-events")
            {
                Assert.DoesNotContain(rows.SelectMany(r => r.Values), cell => cell.StartsWith($"F{run}", StringComparison.Ordinal) || cell.StartsWith($"'", StringComparison.Ordinal) && cell.Contains($"F{run}", StringComparison.Ordinal));
                continue;
            }

            var mine = rows.Where(r => r["First Name"].Contains($"F{run}-", StringComparison.Ordinal)).ToList();
            var sent = mine.Select(r => byFirstName[r["First Name"]]).ToList();
            var expected = generated.Where(g => Eligible(recipient, g)).ToList();
            Assert.True(expected.Select(g => g.N).Order().SequenceEqual(sent.Select(g => g.N).Distinct().Order()),
                $"{recipient}: {sent.Select(g => g.N).Distinct().Count()} learners sent, {expected.Count} eligible (seed {seed}); first unexpected: {sent.FirstOrDefault(g => !Eligible(recipient, g))?.Json.ToJson()}");

            foreach (var (row, g) in mine.Zip(sent))
            {
                Assert.True(g.State || row["Licensing ID or NPI"] == "", $"{recipient}: licence without permission (seed {seed})");
                Assert.True(g.Board || row["Certifying Board"] == "", $"{recipient}: board without permission (seed {seed})");
                Assert.True(g.Board || g.State || row["Date of Birth (MM/DD)"] == "", $"{recipient}: birth date without permission (seed {seed})");
            }
        }
    }

    private static bool BirthYearIn(string cell, string run) =>
        // Generated birth years are 1931-1949: no date, credit or name this data makes holds one as a number of its own.
        // (Hex and hyphen neighbours are parts of record IDs, which are UUIDs; an ISO date would start the cell.)
        System.Text.RegularExpressions.Regex.IsMatch(cell, @"(^|[^0-9a-f-])19[34][0-9]($|[^0-9a-f-])|^19[34][0-9]-");

    /// <summary>A number written in letters, so no name can look like a birth year.</summary>
    private static string Letters(int n) => n < 26 ? ((char)('a' + n)).ToString() : Letters((n / 26) - 1) + (char)('a' + (n % 26));

    private static bool Eligible(string recipient, Generated g) => recipient switch
    {
        "accme-pars-learners" => g.Policy is "mayo-cme-2018-06-15" or "ismrm-2016-11-21" && (g.Board || g.State) && (g.Physician && (g.Ama || g.Moc)),
        "joint-provider" => g.Policy is not "mayo-medical-laboratories-2014-12-17" && g.Ama && g.JointlyProvided,
        _ => false,
    };

    private static Generated Generate(Random random, string run, int n)
    {
        var policy = Policies[random.Next(Policies.Length)];
        var physician = random.Next(4) > 0;
        var board = random.Next(2) == 0;
        var state = random.Next(2) == 0;
        var ama = physician && random.Next(3) > 0;
        var moc = physician && board && random.Next(2) == 0;
        var ecmec = random.Next(3) == 0;
        // Activity details are per activity (the newest event's win), so they follow from the activity, not the learner.
        var activity = n % 100;
        var jointly = activity % 5 > 0;
        var birthYear = 1931 + random.Next(19);
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
            learner["birthYear"] = birthYear;
            learner["profession"] = physician ? "physician" : "other";
            var a = e["activity"]!;
            a["activityId"] = $"gen-{run}-activity-{activity}";
            a["accmeActivityId"] = $"9{activity:00000000}";
            a["eaccmeEventCode"] = $"EV-{run}-{activity}";
            a["format"] = "internet-live";
            a["jointProvider"] = jointly ? "CME Consultants" : null;
            a["designatedCredits"]!["ecmec"] = 6;
            e["assessment"]!["score"] = 50 + random.Next(50);
            e["quizAnswers"] = new JsonArray($"canary-{run}-{n}-answer-B", $"canary-{run}-{n}-answer-D");
            e["claims"] = claims;
            e["consents"] = new JsonObject { ["boardReporting"] = board, ["stateBoardReporting"] = state };
        }).Json;
        return new Generated(n, policy, physician, ama, ecmec, moc, board, state, jointly, birthYear, json);
    }
}
