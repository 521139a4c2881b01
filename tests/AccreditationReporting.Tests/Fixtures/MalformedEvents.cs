using System.Text;
using System.Text.Json.Nodes;
using AccreditationReporting.Ingestion;

namespace AccreditationReporting.Tests.Fixtures;

/// <summary>
/// Generates broken CourseCompleted messages, each with the rule that must reject it: bad JSON,
/// wrong types, missing fields, huge strings, impossible dates, wrong credit steps. Seeded, so a
/// failure can be reproduced.
/// </summary>
public sealed class MalformedEvents(int seed)
{
    private readonly Random _random = new(seed);

    private static readonly string[] RequiredPaths =
    [
        "eventId", "schemaVersion", "occurredAt", "policyVersion", "completedOn", "learner", "activity",
        "learner.learnerId", "learner.firstName", "learner.lastName", "learner.birthMonth", "learner.birthDay",
        "learner.country", "learner.profession", "activity.activityId", "activity.title", "activity.format",
        "activity.startDate", "activity.endDate", "activity.designatedCredits", "claims[0].creditType", "claims[0].amount",
    ];

    private static readonly (string Path, JsonNode? Value)[] WrongTypes =
    [
        ("eventId", 123), ("schemaVersion", "one"), ("occurredAt", true), ("completedOn", "2026-02-30"),
        ("completedOn", "yesterday"), ("learner", "Jane Doe"), ("learner.birthMonth", "April"), ("learner.birthDay", 2.5),
        ("evaluationCompleted", "yes"), ("claims", "ama"), ("claims[0].amount", "seven"), ("assessment.score", new JsonArray()),
        ("activity.designatedCredits.amaPraCategory1", "eight"), ("consents.boardReporting", 1),
    ];

    private static readonly (string Rule, string Path, Func<Random, JsonNode?> Value)[] BrokenRules =
    [
        // Too long for the column, within Ingestion:MaxEventBytes (64 KiB); past it the body is too large.
        (RuleCodes.TooLong, "learner.firstName", r => new string('J', r.Next(201, 60_000))),
        (RuleCodes.TooLong, "activity.title", r => new string('T', r.Next(501, 60_000))),
        (RuleCodes.TooLarge, "learner.lastName", r => new string('D', r.Next(70_000, 200_000))),
        (RuleCodes.MalformedId, "learner.learnerId", r => new string('x', r.Next(129, 5_000))),
        (RuleCodes.NotACalendarDay, "learner.birthDay", r => r.Next(31, 99)),
        (RuleCodes.NotACalendarDay, "learner.birthMonth", r => r.Next(13, 99)),
        (RuleCodes.OutsideActivityDates, "completedOn", r => $"2025-{r.Next(1, 12):D2}-{r.Next(1, 28):D2}"),
        (RuleCodes.FutureDate, "completedOn", r => $"2027-{r.Next(1, 12):D2}-{r.Next(1, 28):D2}"),
        (RuleCodes.OutOfRange, "assessment.score", r => 100 + r.Next(1, 1_000_000)),
        (RuleCodes.CreditStep, "claims[0].amount", r => r.Next(1, 7) + 0.1 * r.Next(1, 2)),
        (RuleCodes.ExceedsDesignation, "claims[0].amount", r => 8 + 0.25 * r.Next(1, 1000)),
        (RuleCodes.UnderAge, "learner.birthYear", r => r.Next(2011, 2026)),
        (RuleCodes.UnsupportedSchemaVersion, "schemaVersion", r => r.Next(2, 100)),
        (RuleCodes.PolicyNotEnabled, "policyVersion", r => $"unknown-policy-{r.Next()}"),
        (RuleCodes.MocNeedsConsent, "consents.boardReporting", _ => false),
        (RuleCodes.UnknownValue, "learner.profession", _ => "astronaut"),
    ];

    public (byte[] Body, string Rule) Next()
    {
        var (_, _, json) = SampleEvents.Fresh();
        switch (_random.Next(6))
        {
            case 0:
                var text = json.ToJson();
                return (Encoding.UTF8.GetBytes(text[..(_random.Next(1, text.Length - 1))]), RuleCodes.MalformedJson);
            case 1:
                return _random.Next(3) switch
                {
                    0 => (RandomBytes(), RuleCodes.MalformedJson),
                    1 => (Encoding.UTF8.GetBytes($"[{_random.Next()}]"), RuleCodes.NotAnEvent),
                    _ => (Encoding.UTF8.GetBytes(_random.Next().ToString(System.Globalization.CultureInfo.InvariantCulture)), RuleCodes.NotAnEvent),
                };
            case 2:
                json.RemoveAt(RequiredPaths[_random.Next(RequiredPaths.Length)]);
                return (Bytes(json), RuleCodes.Required);
            case 3:
                var (path, value) = WrongTypes[_random.Next(WrongTypes.Length)];
                json.SetAt(path, value?.DeepClone());
                return (Bytes(json), RuleCodes.WrongType);
            default:
                var (rule, rulePath, make) = BrokenRules[_random.Next(BrokenRules.Length)];
                json.SetAt(rulePath, make(_random));
                return (Bytes(json), rule);
        }
    }

    private byte[] RandomBytes()
    {
        var bytes = new byte[_random.Next(1, 2_000)];
        _random.NextBytes(bytes);
        bytes[0] = (byte)'#';  // never a valid start of JSON
        return bytes;
    }

    private static byte[] Bytes(JsonObject json) => Encoding.UTF8.GetBytes(json.ToJson());
}
