using System.Text.Json.Nodes;
using AccreditationReporting.Ingestion;
using AccreditationReporting.Privacy;
using AccreditationReporting.Tests.Fixtures;

namespace AccreditationReporting.Tests.Ingestion;

public sealed class CompletionCheckTests
{
    /// <summary>The example event's completion date is 2026-11-20; it arrives the next morning.</summary>
    private static readonly DateTimeOffset ReceivedAt = new(2026, 11, 21, 8, 0, 0, TimeSpan.Zero);

    private static readonly IReadOnlySet<string> AllPolicies = PolicyVersions.Shipped.ToHashSet();

    private static CheckResult Check(JsonObject json, IReadOnlySet<string>? policies = null) =>
        CompletionCheck.Check(json.ToMessage(), ReceivedAt, policies ?? AllPolicies);

    public static TheoryData<string, string, string, string> BrokenRules() => new()
    {
        // rule, field reported, path changed, new value (JSON)
        { RuleCodes.Required, "learner.firstName", "learner.firstName", "null" },
        { RuleCodes.MalformedId, "learner.learnerId", "learner.learnerId", "\" padded \"" },
        { RuleCodes.MalformedId, "eventId", "eventId", "\"00000000-0000-0000-0000-000000000000\"" },
        { RuleCodes.UnsupportedSchemaVersion, "schemaVersion", "schemaVersion", "2" },
        { RuleCodes.PolicyNotEnabled, "policyVersion", "policyVersion", "\"acme-2020-01-01\"" },
        { RuleCodes.FutureDate, "completedOn", "completedOn", "\"2026-11-23\"" },
        { RuleCodes.FutureDate, "occurredAt", "occurredAt", "\"2026-11-21T09:00:00Z\"" },
        { RuleCodes.OutsideActivityDates, "completedOn", "completedOn", "\"2025-12-31\"" },
        { RuleCodes.DateOrder, "activity.endDate", "activity.endDate", "\"2025-12-31\"" },
        { RuleCodes.OutOfRange, "assessment.score", "assessment.score", "100.5" },
        { RuleCodes.OutOfRange, "assessment.score", "assessment.score", "-1" },
        { RuleCodes.OutOfRange, "activity.passingScore", "activity.passingScore", "120" },
        { RuleCodes.NotACalendarDay, "learner.birthDay", "learner.birthDay", "31" },
        { RuleCodes.NotACalendarDay, "learner.birthMonth", "learner.birthMonth", "13" },
        { RuleCodes.ExceedsDesignation, "claims[0].amount", "claims[0].amount", "8.25" },
        { RuleCodes.CreditStep, "claims[0].amount", "claims[0].amount", "7.3" },
        { RuleCodes.OutOfRange, "claims[0].amount", "claims[0].amount", "0" },
        { RuleCodes.MocNeedsBoard, "claims[1].board", "claims[1].board", "null" },
        { RuleCodes.MocNeedsBoardId, "learner.boards", "learner.boards", "[]" },
        { RuleCodes.MocNeedsConsent, "consents.boardReporting", "consents.boardReporting", "false" },
        { RuleCodes.UnderAge, "learner.birthYear", "learner.birthYear", "2011" },
        { RuleCodes.OutOfRange, "learner.birthYear", "learner.birthYear", "1850" },
        { RuleCodes.UnknownValue, "learner.profession", "learner.profession", "\"nurse\"" },
        { RuleCodes.UnknownValue, "activity.format", "activity.format", "\"podcast\"" },
        { RuleCodes.UnknownValue, "claims[0].creditType", "claims[0].creditType", "\"ama-pra-category-2\"" },
        { RuleCodes.TooLong, "learner.lastName", "learner.lastName", $"\"{new string('x', 201)}\"" },
        { RuleCodes.MalformedValue, "learner.country", "learner.country", "\"U1\"" },
        { RuleCodes.MalformedValue, "learner.npi", "learner.npi", "\"12345\"" },
        { RuleCodes.NotDesignated, "claims[0].creditType", "claims[0].creditType", "\"ecmec\"" },
        { RuleCodes.DuplicateClaim, "claims[1]", "claims[1]", "{\"creditType\": \"ama-pra-category-1\", \"amount\": 1}" },
    };

    [Theory]
    [MemberData(nameof(BrokenRules))]
    public void EachRuleHasItsCodeAndNamesTheField(string rule, string field, string path, string value)
    {
        var json = SampleEvents.Example();
        json.SetAt(path, JsonNode.Parse(value));

        var result = Check(json);

        Assert.False(result.IsAccepted);
        Assert.Contains(result.Rejections, r => r.Code == rule && r.Field == field);
    }

    [Fact]
    public void TheUnchangedExampleBreaksNoRule()
    {
        var result = Check(SampleEvents.Example());

        Assert.True(result.IsAccepted, string.Join("; ", result.Rejections));
    }

    [Theory]
    [InlineData(1996, true)]
    [InlineData(1995, false)]
    [InlineData(null, true)]
    public void TwentyNinthOfFebruaryIsACalendarDayOnlyInLeapYearsOrWithoutAYear(int? birthYear, bool accepted)
    {
        var json = SampleEvents.Example();
        json["learner"]!["birthMonth"] = 2;
        json["learner"]!["birthDay"] = 29;
        json["learner"]!["birthYear"] = birthYear;

        Assert.Equal(accepted, Check(json).IsAccepted);
    }

    [Theory]
    [InlineData("2010-11-20", true)]
    [InlineData("2010-11-21", false)]
    public void ALearnerTurningSixteenOnTheCompletionDayIsOldEnough(string birthDate, bool accepted)
    {
        var json = SampleEvents.Example();
        var date = DateOnly.Parse(birthDate, System.Globalization.CultureInfo.InvariantCulture);
        (json["learner"]!["birthYear"], json["learner"]!["birthMonth"], json["learner"]!["birthDay"]) = (date.Year, date.Month, date.Day);

        Assert.Equal(accepted, Check(json).IsAccepted);
    }

    [Theory]
    [InlineData("live", 1, 3.5, false)]
    [InlineData("live", 1, 3, true)]
    [InlineData("live", null, 6, true)]
    [InlineData("live", null, 6.5, false)]
    [InlineData("internet-enduring", null, 6.5, true)]
    public void EcmecForLiveEventsIsCappedPerHalfDayAndPerDay(string format, int? halfDays, double amount, bool accepted)
    {
        var json = SampleEvents.Example();
        json["activity"]!["format"] = format;
        json["activity"]!["startDate"] = "2026-11-20";
        json["activity"]!["endDate"] = "2026-11-20";
        json["activity"]!["halfDays"] = halfDays;
        json["activity"]!["designatedCredits"]!["ecmec"] = 12;
        json["claims"] = new JsonArray(new JsonObject { ["creditType"] = "ecmec", ["amount"] = amount });

        var result = Check(json);

        Assert.Equal(accepted, result.IsAccepted);
        Assert.Equal(accepted, !result.Rejections.Any(r => r.Code == RuleCodes.EcmecLiveLimit));
    }

    [Fact]
    public void EcmecComesInHalfCredits()
    {
        var json = SampleEvents.Example();
        json["activity"]!["designatedCredits"]!["ecmec"] = 8;
        json["claims"] = new JsonArray(new JsonObject { ["creditType"] = "ecmec", ["amount"] = 2.25 });

        Assert.Contains(Check(json).Rejections, r => r.Code == RuleCodes.CreditStep && r.Field == "claims[0].amount");
    }

    [Fact]
    public void APolicyVersionThatIsShippedButNotEnabledHereIsRejected()
    {
        var json = SampleEvents.Example();

        var result = Check(json, new HashSet<string> { PolicyVersions.Medmastery });

        Assert.Equal(RuleCodes.PolicyNotEnabled, Assert.Single(result.Rejections).Code);
    }

    [Fact]
    public void EveryProblemIsNamedNotJustTheFirst()
    {
        var (_, _, json) = SampleEvents.Fresh(e =>
        {
            e.Remove("eventId");
            e["learner"]!["profession"] = "nurse";
            e["claims"]![0]!["creditType"] = "ama-pra-category-2";
        });

        Assert.Equal(["eventId", "learner.profession", "claims[0].creditType"], Check(json).Rejections.Select(r => r.Field));
    }

    [Fact]
    public void RejectionNeverRepeatsPersonalData()
    {
        var (_, _, json) = SampleEvents.Fresh(e =>
        {
            e["learner"]!["learnerId"] = "has\ncontrol";
            e["learner"]!["profession"] = "Jane Doe's profession";
            e["learner"]!["lastName"] = new string('D', 300);
        });

        var text = string.Join("; ", Check(json).Rejections);

        Assert.DoesNotContain("Jane", text, StringComparison.Ordinal);
        Assert.DoesNotContain("has\ncontrol", text, StringComparison.Ordinal);
        Assert.DoesNotContain("DDDD", text, StringComparison.Ordinal);
        Assert.Contains("malformed-id at learner.learnerId", text, StringComparison.Ordinal);
    }

    [Fact]
    public void AcceptedEventKeepsThePolicyVersionAndComputesItsAwards()
    {
        var (eventId, learnerId, json) = SampleEvents.Fresh();

        var accepted = Check(json).Accepted!;

        Assert.Equal(eventId, accepted.Completion.EventId);
        Assert.Equal(learnerId, accepted.Learner.LearnerId);
        Assert.Equal("mayo-cme-2018-06-15", accepted.Completion.PolicyVersion);
        Assert.Equal(ReceivedAt, accepted.Completion.ReceivedAt);
        Assert.True(accepted.Completion.BoardReportingConsent);
        Assert.False(accepted.Completion.StateBoardReportingConsent);
        Assert.Equal([7.75m, 7.75m], accepted.Completion.Awards.Select(a => a.Awarded));
    }
}
