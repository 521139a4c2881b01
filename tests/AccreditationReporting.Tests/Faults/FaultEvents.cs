using System.Globalization;
using System.Text;
using System.Text.Json;
using AccreditationReporting.Contracts;

namespace AccreditationReporting.Tests.Faults;

/// <summary>One message a fault scenario publishes, and what the service must end up doing with it.</summary>
/// <param name="EventId">Null for a body with no readable event ID (not JSON).</param>
/// <param name="Valid">Stored once if valid; recorded as rejected (under its message ID) if not.</param>
public sealed record FaultMessage(Guid MessageId, Guid? EventId, byte[] Body, bool Valid);

/// <summary>
/// The messages of a fault scenario, from a seed: valid CourseCompleted events (dated around today,
/// spread over learners and activities, one claim each), some published twice under another message ID
/// (a publisher's retry), and a few deliberately invalid ones, each breaking one rule the service
/// rejects for: under age, a policy not enabled, a claim above the designation, a body that is not JSON.
/// </summary>
public static class FaultEvents
{
    private const int Learners = 2_000;
    private const int Activities = 100;
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static IReadOnlyList<FaultMessage> Generate(int count, int seed, double invalidShare = 0.03, double republishedShare = 0.01)
    {
        var random = new Random(seed);
        var now = DateTimeOffset.UtcNow;
        var messages = new List<FaultMessage>(count);
        while (messages.Count < count)
        {
            if (messages.Count > 0 && random.NextDouble() < republishedShare)
            {
                // The same event again under a new message ID: stored once all the same.
                var earlier = messages[random.Next(messages.Count)];
                if (earlier.Valid)
                {
                    messages.Add(earlier with { MessageId = NewGuid(random) });
                    continue;
                }
            }

            messages.Add(random.NextDouble() < invalidShare ? Invalid(random, now) : Valid(random, now));
        }

        return messages;
    }

    /// <summary>Bodies that are not JSON: they never reach the consumer, and are recorded on a path of their own.</summary>
    public static IReadOnlyList<FaultMessage> Unreadable(int count, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(i => new FaultMessage(NewGuid(random), null, Encoding.UTF8.GetBytes($"not json {i}"), Valid: false))];
    }

    private static FaultMessage Valid(Random random, DateTimeOffset now)
    {
        var completed = Event(random, now);
        return new FaultMessage(NewGuid(random), completed.EventId, JsonSerializer.SerializeToUtf8Bytes(completed, Json), Valid: true);
    }

    private static FaultMessage Invalid(Random random, DateTimeOffset now)
    {
        var completed = Event(random, now);
        switch (random.Next(4))
        {
            case 0:
                completed = completed with { Learner = completed.Learner! with { BirthYear = now.Year - 10 } };
                break;
            case 1:
                completed = completed with { PolicyVersion = "no-such-policy-2001-01-01" };
                break;
            case 2:
                completed = completed with { Claims = [completed.Claims![0] with { Amount = completed.Activity!.DesignatedCredits!.AmaPraCategory1!.Value + 1 }] };
                break;
            default:
                return new FaultMessage(NewGuid(random), null, Encoding.UTF8.GetBytes($"{{\"eventId\": \"{completed.EventId}\", not json"), Valid: false);
        }

        return new FaultMessage(NewGuid(random), completed.EventId, JsonSerializer.SerializeToUtf8Bytes(completed, Json), Valid: false);
    }

    /// <summary>Guids from the seed too, so a run can be repeated message for message.</summary>
    private static Guid NewGuid(Random random)
    {
        Span<byte> bytes = stackalloc byte[16];
        random.NextBytes(bytes);
        bytes[7] = (byte)((bytes[7] & 0x0F) | 0x40);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes);
    }

    private static CourseCompleted Event(Random random, DateTimeOffset now)
    {
        var learner = random.Next(Learners);
        var activity = random.Next(Activities);
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        var designated = 0.25m * (8 + (activity % 40));
        var occurredAt = now.AddSeconds(-random.Next(60, 3 * 24 * 3600));
        return new CourseCompleted
        {
            EventId = NewGuid(random),
            SchemaVersion = CourseCompleted.CurrentSchemaVersion,
            OccurredAt = occurredAt,
            PolicyVersion = "mayo-cme-2018-06-15",
            Learner = new LearnerDetails
            {
                LearnerId = $"fault-learner-{learner:D5}",
                FirstName = "Jane",
                LastName = $"Doe{learner}",
                BirthMonth = 1 + (learner % 12),
                BirthDay = 1 + (learner % 28),
                BirthYear = 1950 + (learner % 50),
                Profession = "physician",
                Country = "US",
                Npi = (1_000_000_000L + learner).ToString(CultureInfo.InvariantCulture),
                LicenseState = "MN",
                LicenseId = $"MN-{learner:D5}",
                Boards = [new BoardMembership { Board = "ABIM", BoardId = $"{100_000 + learner}" }],
            },
            Activity = new ActivityDetails
            {
                ActivityId = $"fault-activity-{activity:D3}",
                Title = $"Fault Activity {activity}",
                Format = "enduring-material",
                StartDate = today.AddDays(-200),
                EndDate = today.AddDays(60),
                AccmeActivityId = $"{202_700_000 + activity}",
                DesignatedCredits = new DesignatedCredits { AmaPraCategory1 = designated },
                PassingScore = 70,
                JointProvider = "CME Consultants",
            },
            CompletedOn = DateOnly.FromDateTime(occurredAt.UtcDateTime),
            Assessment = new AssessmentResult { Score = 85 },
            EvaluationCompleted = true,
            Claims = [new CreditClaim { CreditType = "ama-pra-category-1", Amount = 0.25m * random.Next(1, (int)(designated * 4) + 1) }],
            Consents = new LearnerConsents { BoardReporting = true, StateBoardReporting = true },
        };
    }
}
