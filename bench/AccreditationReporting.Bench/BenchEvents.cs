using System.Text.Json;
using AccreditationReporting.Contracts;

namespace AccreditationReporting.Bench;

/// <summary>
/// The messages one run publishes, serialised before any timing starts. Bodies are valid
/// CourseCompleted v1 events (docs/examples/course-completed.v1.json) that the service accepts and
/// awards credit for, so every message takes the full storing path rather than a rejection shortcut.
/// </summary>
internal sealed class BenchEvents
{
    // Few enough learners and activities that their rows are upserted over and over, as in production.
    private const int Learners = 5_000;
    private const int Activities = 200;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private BenchEvents(ReadOnlyMemory<byte>[] messages, int distinct)
    {
        Messages = messages;
        Distinct = distinct;
    }

    public IReadOnlyList<ReadOnlyMemory<byte>> Messages { get; }

    /// <summary>Distinct event IDs among the messages: what the service should store.</summary>
    public int Distinct { get; }

    public double AverageBodyBytes => Messages.Average(m => m.Length);

    /// <param name="duplicateFraction">
    /// The share of messages that repeat an earlier message (same eventId, same body), as a
    /// publisher's retry or a redelivery would.
    /// </param>
    public static BenchEvents Generate(int count, double duplicateFraction, int seed)
    {
        var random = new Random(seed);
        var now = DateTimeOffset.UtcNow;
        var duplicates = (int)Math.Round(count * duplicateFraction);

        // Any position but the first can be a duplicate: it needs an earlier message to repeat.
        var duplicateAt = new HashSet<int>(Enumerable.Range(1, Math.Max(count - 1, 0)).OrderBy(_ => random.Next()).Take(duplicates));
        var messages = new ReadOnlyMemory<byte>[count];
        var distinct = new List<ReadOnlyMemory<byte>>(count - duplicates);
        for (var i = 0; i < count; i++)
        {
            if (duplicateAt.Contains(i))
            {
                messages[i] = distinct[random.Next(distinct.Count)];
            }
            else
            {
                messages[i] = JsonSerializer.SerializeToUtf8Bytes(Event(random, now), Json);
                distinct.Add(messages[i]);
            }
        }

        return new BenchEvents(messages, distinct.Count);
    }

    /// <summary>One fresh event, made while a run publishes (the sustained run is too long to make all first).</summary>
    public static (Guid EventId, byte[] Body) Next(Random random, DateTimeOffset now)
    {
        var completed = Event(random, now);
        return (completed.EventId!.Value, JsonSerializer.SerializeToUtf8Bytes(completed, Json));
    }

    private static CourseCompleted Event(Random random, DateTimeOffset now)
    {
        var learner = random.Next(Learners);
        var activity = random.Next(Activities);
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        var designated = 0.25m * (4 + (activity % 77));

        // Within the last three days, which every activity's dates cover.
        var occurredAt = now.AddSeconds(-random.Next(60, 3 * 24 * 3600));
        return new CourseCompleted
        {
            EventId = Guid.NewGuid(),
            SchemaVersion = CourseCompleted.CurrentSchemaVersion,
            OccurredAt = occurredAt,
            PolicyVersion = "mayo-cme-2018-06-15",
            Learner = new LearnerDetails
            {
                LearnerId = $"bench-learner-{learner:D5}",
                FirstName = "Jane",
                LastName = $"Doe{learner}",
                Email = $"jane.doe{learner}@example.org",
                BirthMonth = 1 + (learner % 12),
                BirthDay = 1 + (learner % 28),
                BirthYear = 1950 + (learner % 50),
                Profession = "physician",
                Country = "US",
                Npi = (1_000_000_000L + learner).ToString(System.Globalization.CultureInfo.InvariantCulture),
                LicenseState = "MN",
                LicenseId = $"MN-{learner:D5}",
                Boards = [new BoardMembership { Board = "ABIM", BoardId = $"{100_000 + learner}" }],
            },
            Activity = new ActivityDetails
            {
                ActivityId = $"bench-activity-{activity:D3}",
                Title = $"Benchmark Activity {activity}",
                Format = "enduring-material",
                StartDate = today.AddDays(-200 - (activity % 100)),
                EndDate = today.AddDays(30 + (activity % 60)),
                AccmeActivityId = $"{202_600_000 + activity}",
                EaccmeEventCode = null,
                DesignatedCredits = new DesignatedCredits
                {
                    AmaPraCategory1 = designated,
                    Ecmec = null,
                    Moc = [new MocDesignation { Board = "ABIM", CreditType = "Medical Knowledge", Points = designated }],
                },
                PassingScore = 70,
                JointProvider = "CME Consultants",
            },
            CompletedOn = DateOnly.FromDateTime(occurredAt.UtcDateTime),
            Assessment = new AssessmentResult { Score = 85 },
            EvaluationCompleted = true,

            // 0.25 steps, never above the designation.
            Claims = [new CreditClaim { CreditType = "ama-pra-category-1", Amount = 0.25m * random.Next(1, (int)(designated * 4) + 1) }],
            Consents = new LearnerConsents { BoardReporting = true, StateBoardReporting = false },
        };
    }
}
