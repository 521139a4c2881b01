using AccreditationReporting.Completions;
using AccreditationReporting.Hosting;
using AccreditationReporting.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using NpgsqlTypes;

namespace AccreditationReporting.Ingestion;

public sealed record StoreOutcome(int Stored, int Duplicates, int Rejected);

/// <summary>
/// Stores a batch of checked events exactly once, in one transaction and two round trips: the inbox
/// insert says which events are new, then one set-based statement per table stores them. A
/// redelivered batch finds its events in the inbox and stores nothing twice.
/// </summary>
public sealed class CompletionStore(ReportingDbContext db, TimeProvider time, ServiceMetrics metrics)
{
    public async Task<StoreOutcome> StoreAsync(
        IReadOnlyList<AcceptedCompletion> accepted, IReadOnlyList<RejectedEvent> rejected, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        var npgsqlTransaction = (NpgsqlTransaction)transaction.GetDbTransaction();

        // The same event twice in one batch is a duplicate too; the first copy wins.
        var unique = accepted.DistinctBy(a => a.Completion.EventId).OrderBy(a => a.Completion.EventId).ToList();
        var fresh = await ClaimInboxAsync(connection, npgsqlTransaction, unique, now, cancellationToken);
        var toStore = unique.Where(a => fresh.Contains(a.Completion.EventId)).ToList();

        await using var batch = new NpgsqlBatch(connection, npgsqlTransaction);
        if (toStore.Count > 0)
        {
            CompletionRows.AddStatements(batch, toStore, now);
        }

        if (rejected.Count > 0)
        {
            RejectionRows.AddInsert(batch, rejected);
        }

        if (batch.BatchCommands.Count > 0)
        {
            await batch.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        metrics.EventsSettled(toStore.Count, accepted.Count - toStore.Count, rejected.Select(r => r.RuleCode));
        return new StoreOutcome(toStore.Count, accepted.Count - toStore.Count, rejected.Count);
    }

    private static async Task<HashSet<Guid>> ClaimInboxAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, List<AcceptedCompletion> events, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var fresh = new HashSet<Guid>();
        if (events.Count == 0)
        {
            return fresh;
        }

        // Sorted IDs take the primary-key locks in one order, so two batches sharing events cannot deadlock.
        await using var command = new NpgsqlCommand(
            """
            INSERT INTO accreditation.processed_events (event_id, consumed_at)
            SELECT id, $2 FROM unnest($1::uuid[]) AS t(id)
            ON CONFLICT (event_id) DO NOTHING
            RETURNING event_id
            """,
            connection,
            transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = events.Select(e => e.Completion.EventId).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = now });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            fresh.Add(reader.GetGuid(0));
        }

        return fresh;
    }
}
