using System.Text;
using System.Text.Json.Nodes;
using AccreditationReporting.Api.V1;
using CsvHelper;
using Grpc.Core;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace AccreditationReporting.Tests.Fixtures;

/// <summary>The real service on the in-memory bus, with helpers to store events and fetch export files over gRPC.</summary>
public class ExportServiceFixture : IAsyncLifetime
{
    public ReportingService Service { get; private set; } = null!;

    public ExportService.ExportServiceClient Exports { get; private set; } = null!;

    protected virtual IReadOnlyDictionary<string, string?>? Settings => null;

    public async Task InitializeAsync()
    {
        Service = await ReportingService.StartAsync(useRabbitMq: false, settings: Settings);
        Exports = new ExportService.ExportServiceClient(Service.CreateChannel());
    }

    public Task DisposeAsync() => Service.DisposeAsync().AsTask();

    protected void Attach(ReportingService service)
    {
        Service = service;
        Exports = new ExportService.ExportServiceClient(service.CreateChannel());
    }

    public async Task StoreAsync(params JsonObject[] events)
    {
        var bus = Service.Services.GetRequiredService<IBus>();
        foreach (var json in events)
        {
            await bus.Publish(json.ToMessage());
        }

        foreach (var json in events)
        {
            await Service.Database.WaitForStoredAsync(Guid.Parse((string)json["eventId"]!));
        }
    }

    public async Task<(ExportBatch Batch, ExportFile File)> CreateAndDownloadAsync(string recipient)
    {
        var created = await Exports.CreateBatchAsync(new CreateBatchRequest { Recipient = recipient });
        Assert.True(created.Created, $"a {recipient} batch was expected");
        return (created.Batch, await DownloadAsync(created.Batch.Id));
    }

    public async Task<ExportFile> DownloadAsync(long batchId, Metadata? headers = null)
    {
        using var call = Exports.DownloadBatch(new DownloadBatchRequest { BatchId = batchId }, headers);
        BatchManifest? manifest = null;
        var bytes = new MemoryStream();
        var chunkSizes = new List<int>();
        await foreach (var part in call.ResponseStream.ReadAllAsync())
        {
            if (part.PartCase == DownloadBatchResponse.PartOneofCase.Manifest)
            {
                Assert.Null(manifest);
                Assert.Equal(0, bytes.Length);
                manifest = part.Manifest;
                continue;
            }

            chunkSizes.Add(part.Chunk.Length);
            part.Chunk.WriteTo(bytes);
        }

        return new ExportFile(manifest ?? throw new InvalidOperationException("no manifest"), bytes.ToArray(), chunkSizes);
    }
}

/// <summary>A downloaded export file, parsed as its recipient's dialect.</summary>
public sealed record ExportFile(BatchManifest Manifest, byte[] Bytes, IReadOnlyList<int> ChunkSizes)
{
    public string Text => Encoding.UTF8.GetString(Bytes);

    public char Separator => Manifest.ContentType == "text/tab-separated-values" ? '\t' : ',';

    public List<string> Headers => Parse().Headers;

    public List<Dictionary<string, string>> Rows => Parse().Rows;

    private (List<string> Headers, List<Dictionary<string, string>> Rows) Parse()
    {
        using var csv = CsvReader.Create(Bytes, new CsvReaderOptions { Separator = Separator, TrimWhitespace = false, DetectSeparatorHint = false });
        var rows = new List<Dictionary<string, string>>();
        List<string> headers = [];
        while (csv.Read())
        {
            headers = csv.Headers.ToList();
            rows.Add(headers.Select((h, i) => (h, i)).ToDictionary(p => p.h, p => csv.GetString(p.i)));
        }

        if (headers.Count == 0)
        {
            using var header = CsvReader.Create(Bytes, new CsvReaderOptions { Separator = Separator, HasHeader = false, DetectSeparatorHint = false });
            header.Read();
            headers = Enumerable.Range(0, header.FieldCount).Select(header.GetString).ToList();
        }

        return (headers, rows);
    }
}
