using System.Net;
using AccreditationReporting.Storage;
using Npgsql;
using Polly;

namespace AccreditationReporting.Exports.Delivery;

/// <summary>
/// One batch's pass through its recipient's pipeline. Each attempt that reached the endpoint is
/// counted in the batch as it fails, so <c>GetBatch</c> shows a delivery in progress.
/// </summary>
internal sealed class DeliveryRun(NpgsqlConnection connection, long batchId, DeliverySettings settings, CancellationToken cancellationToken)
{
    private int _recorded;

    /// <summary>Attempts that reached the point of sending (a rejection by the open circuit is not one).</summary>
    public int Attempted { get; private set; }

    public void Attempting() => Attempted++;

    public int Unrecorded => Attempted - _recorded;

    public async ValueTask FailedAsync(Outcome<HttpStatusCode> outcome)
    {
        var attempts = Unrecorded;
        _recorded = Attempted;
        await using var command = SqlCommands.Create(
            connection,
            "UPDATE accreditation.export_batches SET delivery_attempts = delivery_attempts + $2, last_delivery_error = $3 WHERE id = $1",
            batchId, attempts, DeliveryPipeline.Describe(outcome, settings));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
