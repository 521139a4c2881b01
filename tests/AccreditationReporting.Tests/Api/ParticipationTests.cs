using System.Globalization;
using System.Text.Json.Nodes;
using AccreditationReporting.Access;
using AccreditationReporting.Api.V1;
using AccreditationReporting.Tests.Fixtures;
using Google.Rpc;
using Grpc.Core;
using static AccreditationReporting.Tests.Exports.ExportEvents;

namespace AccreditationReporting.Tests.Api;

/// <summary>
/// Participation verification for ACCME's auditors, over gRPC with an auditor's token: by learner ID
/// or by last name and birth MM/DD, the current completion with the credit claimed and awarded and
/// the name collected under its policy; audited by learner key, never by name.
/// </summary>
public sealed class ParticipationTests(ExportServiceFixture fixture) : IClassFixture<ExportServiceFixture>
{
    private const string Mayo = "mayo-cme-2018-06-15";
    private const string Medmastery = "medmastery-2017-06-20";

    private ServiceDatabase Database => fixture.Service.Database;

    [Fact]
    public async Task ByLearnerIdTheCurrentCompletionIsAnsweredWithItsCreditsAndTheNameCollectedUnderItsPolicy()
    {
        var (activity, accmeId) = (NewActivity(), NewAccmeId());
        var first = Event(activity, accmeId, Mayo);
        var learnerId = LearnerId(first);

        // A re-take, later in event time: it supersedes the first, and is the participation on record.
        var retake = Event(activity, accmeId, Mayo, e =>
        {
            e["learner"]!["learnerId"] = learnerId;
            e["occurredAt"] = "2026-11-21T10:00:00Z";
            e["completedOn"] = "2026-11-21";
            e["claims"] = new JsonArray(new JsonObject { ["creditType"] = "ama-pra-category-1", ["amount"] = 6.5 });
        });

        // The same learner on another platform, under another policy, by another first name: not the
        // name this activity's completion was collected under.
        var elsewhere = Event(NewActivity(), NewAccmeId(), Medmastery, e =>
        {
            e["learner"]!["learnerId"] = learnerId;
            e["learner"]!["firstName"] = "Jenny";
            e["occurredAt"] = "2026-11-22T10:00:00Z";
            e["completedOn"] = "2026-11-22";
        });
        await fixture.StoreAsync(first, retake, elsewhere);

        var answer = await Auditor().VerifyParticipationAsync(new VerifyParticipationRequest { LearnerId = learnerId, ActivityId = activity });

        var participation = Assert.Single(answer.Participations);
        Assert.Equal(("Jane", "Doe"), (participation.FirstName, participation.LastName));
        Assert.Equal((activity, accmeId, "ECG Basics"), (participation.ActivityId, participation.AccmeActivityId, participation.ActivityTitle));
        Assert.Equal(new CalendarDate { Year = 2026, Month = 11, Day = 21 }, participation.CompletedOn);
        Assert.Equal(new CalendarDate { Year = 2026, Month = 12, Day = 31 }, participation.ActivityEndDate);
        var credit = Assert.Single(participation.Credits);
        Assert.Equal((CreditType.AmaPraCategory1, 6.5, 6.5, "", ""), (credit.CreditType, credit.Claimed, credit.Awarded, credit.Board, credit.MocCreditType));

        // By ACCME's activity ID, the same answer.
        var byAccmeId = await Auditor().VerifyParticipationAsync(new VerifyParticipationRequest { LearnerId = learnerId, AccmeActivityId = accmeId });
        Assert.Equal(answer, byAccmeId);

        var key = await LearnerKeyAsync(learnerId);
        var entry = await AuditEntryAsync(activity);
        Assert.Equal(("ok", $"learner:{key}", "learner-id", "1"), ((string?)entry["outcome"], (string?)entry["target"], (string?)entry["details"]!["learner_lookup"], (string?)entry["details"]!["participations"]));
        Assert.Equal("tester-auditor", (string?)entry["actor_subject"]);
        Assert.DoesNotContain(learnerId, entry.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ByLastNameAndBirthMonthAndDayEveryLearnerWithAMatchingProfileIsAnsweredWhateverTheCase()
    {
        var (activity, accmeId) = (NewActivity(), NewAccmeId());
        var jane = Event(activity, accmeId, Mayo);
        var john = Event(activity, accmeId, Mayo, e => (e["learner"]!["firstName"], e["learner"]!["lastName"]) = ("John", "DOE"));
        var otherBirthday = Event(activity, accmeId, Mayo, e => e["learner"]!["birthDay"] = 24);
        var otherName = Event(activity, accmeId, Mayo, e => e["learner"]!["lastName"] = "Doerr");

        // Smith on this activity's platform, Doe under another policy: a profile matches, so the
        // learner does, and the answer carries the name this completion was collected under.
        var smith = Event(activity, accmeId, Mayo, e => (e["learner"]!["firstName"], e["learner"]!["lastName"]) = ("Ann", "Smith"));
        var smithAsDoe = Event(NewActivity(), NewAccmeId(), Medmastery, e =>
        {
            e["learner"]!["learnerId"] = LearnerId(smith);
            (e["learner"]!["firstName"], e["learner"]!["lastName"]) = ("Ann", "doe");
        });
        await fixture.StoreAsync(jane, john, otherBirthday, otherName, smith, smithAsDoe);

        var answer = await Auditor().VerifyParticipationAsync(new VerifyParticipationRequest
        {
            ByName = new LearnerByName { LastName = "dOE", BirthMonth = 4, BirthDay = 23 },
            AccmeActivityId = accmeId,
        });

        Assert.Equal(["Ann Smith", "Jane Doe", "John DOE"], answer.Participations.Select(p => $"{p.FirstName} {p.LastName}").Order(StringComparer.Ordinal));
        Assert.All(answer.Participations, p =>
        {
            Assert.Equal(new CalendarDate { Year = 2026, Month = 11, Day = 20 }, p.CompletedOn);
            Assert.Equal(
                ["AmaPraCategory1|||7.75|7.75", "Moc|ABIM|Medical Knowledge|7.75|7.75"],
                p.Credits.Select(c => FormattableString.Invariant($"{c.CreditType}|{c.Board}|{c.MocCreditType}|{c.Claimed}|{c.Awarded}")));
        });

        // Several learners: the entry lists their keys, and names none.
        var keys = new List<long>();
        foreach (var e in new[] { jane, john, smith })
        {
            keys.Add(await LearnerKeyAsync(LearnerId(e)));
        }

        var entry = await AuditEntryAsync(accmeId, "accme_activity_id");
        Assert.Null((string?)entry["target"]);
        Assert.Equal(string.Join(",", keys.Order().Select(k => $"learner:{k}")), (string?)entry["details"]!["learners"]);
        Assert.Equal("last-name-and-birth-date", (string?)entry["details"]!["learner_lookup"]);
        Assert.DoesNotContain("doe", entry.ToJsonString(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task LastNamesCompareCaseInsensitivelyBeyondAscii()
    {
        var activity = NewActivity();
        var muller = Event(activity, NewAccmeId(), Mayo, e => e["learner"]!["lastName"] = "Müller-Łukasz");
        await fixture.StoreAsync(muller);

        var answer = await Auditor().VerifyParticipationAsync(new VerifyParticipationRequest
        {
            ByName = new LearnerByName { LastName = "MÜLLER-łUKASZ", BirthMonth = 4, BirthDay = 23 },
            ActivityId = activity,
        });

        Assert.Equal("Müller-Łukasz", Assert.Single(answer.Participations).LastName);
    }

    [Fact]
    public async Task AnErasedLearnerStillVerifiesFromTheRecordKeptForIt()
    {
        var activity = NewActivity();
        var stored = Event(activity, NewAccmeId(), Mayo);
        await fixture.StoreAsync(stored);
        var privacy = new PrivacyService.PrivacyServiceClient(fixture.Service.CreateChannel(StaffRoles.PrivacyOfficer));
        await privacy.EraseLearnerAsync(new EraseLearnerRequest { LearnerId = LearnerId(stored), RequestReference = "PRIV-ERASE-1" });

        var answer = await Auditor().VerifyParticipationAsync(new VerifyParticipationRequest
        {
            ByName = new LearnerByName { LastName = "Doe", BirthMonth = 4, BirthDay = 23 },
            ActivityId = activity,
        });

        var participation = Assert.Single(answer.Participations);
        Assert.Equal(("Jane", "Doe", 2), (participation.FirstName, participation.LastName, participation.Credits.Count));
        Assert.All(participation.Credits, c => Assert.Equal(7.75, c.Awarded));
    }

    [Fact]
    public async Task NoMatchIsNotFoundWithoutEchoingTheRequestAndIsAudited()
    {
        var activity = NewActivity();
        await fixture.StoreAsync(Event(activity, NewAccmeId(), Mayo));
        var nobody = $"learner-nobody-{Guid.NewGuid():N}";

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            Auditor().VerifyParticipationAsync(new VerifyParticipationRequest { LearnerId = nobody, ActivityId = activity }).ResponseAsync);
        var byName = await Assert.ThrowsAsync<RpcException>(() =>
            Auditor().VerifyParticipationAsync(new VerifyParticipationRequest
            {
                ByName = new LearnerByName { LastName = "Doe", BirthMonth = 4, BirthDay = 24 },
                ActivityId = activity,
            }).ResponseAsync);

        Assert.Equal((StatusCode.NotFound, StatusCode.NotFound), (error.StatusCode, byName.StatusCode));
        Assert.DoesNotContain(nobody, error.Status.Detail, StringComparison.Ordinal);
        var outcomes = await Database.ColumnAsync<string>(
            "SELECT outcome || ' ' || coalesce(target, '-') || ' ' || (details->>'participations') FROM accreditation.audit_events WHERE action = 'participation.verify' AND details->>'activity_id' = @a ORDER BY id",
            ("a", activity));
        Assert.Equal(["not-found - 0", "not-found - 0"], outcomes);
    }

    [Fact]
    public async Task OnlyAuditorsMayVerifyAParticipation()
    {
        var activity = NewActivity();
        var stored = Event(activity, NewAccmeId(), Mayo);
        await fixture.StoreAsync(stored);
        var request = new VerifyParticipationRequest { LearnerId = LearnerId(stored), ActivityId = activity };

        foreach (var role in StaffRoles.All.Where(r => r != StaffRoles.Auditor))
        {
            var client = new ParticipationService.ParticipationServiceClient(fixture.Service.CreateChannel(role));
            var error = await Assert.ThrowsAsync<RpcException>(() => client.VerifyParticipationAsync(request).ResponseAsync);
            Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
        }

        Assert.Single((await Auditor().VerifyParticipationAsync(request)).Participations);
    }

    public static TheoryData<string, string, string> MalformedRequests => new()
    {
        { "no learner", "learner", "learner_id or by_name is required" },
        { "no activity", "activity", "activity_id or accme_activity_id is required" },
        { "blank learner ID", "learner_id", "is required" },
        { "padded activity ID", "activity_id", "must not begin or end with white space" },
        { "overlong ACCME ID", "accme_activity_id", "must be at most 128 characters" },
        { "blank last name", "by_name.last_name", "is required" },
        { "month 13", "by_name.birth_month", "must be a month from 1 to 12" },
        { "30 February", "by_name.birth_day", "is not a day of birth_month" },
    };

    [Theory]
    [MemberData(nameof(MalformedRequests))]
    public async Task AMalformedRequestIsInvalidArgumentNamingTheField(string what, string field, string reason)
    {
        var request = what switch
        {
            "no learner" => new VerifyParticipationRequest { ActivityId = "a" },
            "no activity" => new VerifyParticipationRequest { LearnerId = "l" },
            "blank learner ID" => new VerifyParticipationRequest { LearnerId = "", ActivityId = "a" },
            "padded activity ID" => new VerifyParticipationRequest { LearnerId = "l", ActivityId = " a " },
            "overlong ACCME ID" => new VerifyParticipationRequest { LearnerId = "l", AccmeActivityId = new string('9', 129) },
            "blank last name" => new VerifyParticipationRequest { ByName = new LearnerByName { LastName = " ", BirthMonth = 4, BirthDay = 23 }, ActivityId = "a" },
            "month 13" => new VerifyParticipationRequest { ByName = new LearnerByName { LastName = "Doe", BirthMonth = 13, BirthDay = 1 }, ActivityId = "a" },
            "30 February" => new VerifyParticipationRequest { ByName = new LearnerByName { LastName = "Doe", BirthMonth = 2, BirthDay = 30 }, ActivityId = "a" },
            _ => throw new ArgumentOutOfRangeException(nameof(what)),
        };

        var error = await Assert.ThrowsAsync<RpcException>(() => Auditor().VerifyParticipationAsync(request).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        var violation = Assert.Single(error.GetRpcStatus()!.GetDetail<BadRequest>()!.FieldViolations);
        Assert.Equal((field, reason), (violation.Field, violation.Description));
    }

    [Fact]
    public async Task TwentyNinthFebruaryIsABirthday()
    {
        var activity = NewActivity();
        await fixture.StoreAsync(Event(activity, NewAccmeId(), Mayo, e => (e["learner"]!["birthMonth"], e["learner"]!["birthDay"], e["learner"]!["birthYear"]) = (2, 29, 1980)));

        var answer = await Auditor().VerifyParticipationAsync(new VerifyParticipationRequest
        {
            ByName = new LearnerByName { LastName = "Doe", BirthMonth = 2, BirthDay = 29 },
            ActivityId = activity,
        });

        Assert.Single(answer.Participations);
    }

    private ParticipationService.ParticipationServiceClient Auditor() => new(fixture.Service.CreateChannel(StaffRoles.Auditor));

    private static JsonObject Event(string activity, string accmeId, string policy, Action<JsonObject>? change = null) =>
        Completion(activity, policy, e =>
        {
            e["activity"]!["accmeActivityId"] = accmeId;
            change?.Invoke(e);
        });

    private static string NewAccmeId() => Random.Shared.NextInt64(100_000_000, 999_999_999).ToString(CultureInfo.InvariantCulture);

    private Task<long> LearnerKeyAsync(string learnerId) =>
        Database.ScalarAsync<long>("SELECT id FROM accreditation.learners WHERE learner_id = @id", ("id", learnerId));

    /// <summary>The last verification entry about the activity.</summary>
    private async Task<JsonObject> AuditEntryAsync(string activity, string detail = "activity_id") =>
        JsonNode.Parse(await Database.ScalarAsync<string>(
            $"SELECT row_to_json(e)::text FROM accreditation.audit_events e WHERE action = 'participation.verify' AND details->>'{detail}' = @a ORDER BY id DESC LIMIT 1",
            ("a", activity)))!.AsObject();
}
