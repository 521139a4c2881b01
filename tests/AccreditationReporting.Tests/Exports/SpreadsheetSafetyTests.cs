using AccreditationReporting.Tests.Fixtures;
using static AccreditationReporting.Tests.Exports.ExportEvents;

namespace AccreditationReporting.Tests.Exports;

/// <summary>No cell of any recipient's file can start a spreadsheet formula (OWASP CSV injection).</summary>
public sealed class SpreadsheetSafetyTests(ExportServiceFixture fixture) : IClassFixture<ExportServiceFixture>
{
    // Ingestion refuses control characters in names and titles, so tab and CR are proven on the writer below.
    public static readonly string[] Payloads = ["=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)"];

    [Fact]
    public async Task EveryRecipientNeutralisesCellsThatStartAFormula()
    {
        var events = Payloads.Select(p => Completion(NewActivity(), change: e =>
        {
            e["learner"]!["firstName"] = p;
            e["learner"]!["lastName"] = p;
            e["activity"]!["title"] = p;
            e["activity"]!["eaccmeEventCode"] = "EV" + Guid.NewGuid().ToString("N")[..8];
        })).ToArray();
        await fixture.StoreAsync(events);

        foreach (var recipient in new[] { "accme-pars-learners", "accme-pars-activities", "eaccme-events", "joint-provider/cme-consultants" })
        {
            var (_, file) = await fixture.CreateAndDownloadAsync(recipient);
            var cells = file.Rows.SelectMany(r => r.Values).ToList();
            foreach (var payload in Payloads)
            {
                Assert.Contains("'" + payload, cells);
            }

            Assert.All(cells, cell => Assert.False(cell.Length > 0 && "=+-@\t\r".Contains(cell[0]), $"{recipient}: a cell starts a formula"));
        }
    }
}

public sealed class SpreadsheetSafetyWriterTests
{
    [Theory]
    [InlineData("accme-pars-learners")]
    [InlineData("accme-pars-activities")]
    [InlineData("eaccme-events")]
    [InlineData("joint-provider/cme-consultants")]
    public void TheWriterOfEveryRecipientEscapesAllSixStarts(string recipient)
    {
        var catalog = AccreditationReporting.Exports.ExportCatalog.Load(null, null, AccreditationReporting.Privacy.PolicyVersions.Shipped.ToHashSet(), [new("cme-consultants", "CME Consultants")]);
        var format = catalog.Find(recipient)!.Format;
        var payloads = new[] { "=1", "+1", "-1", "@1", "\tcmd", "\rcmd" };
        var stream = new MemoryStream();
        using (var csv = CsvHelper.CsvWriter.Create(stream, AccreditationReporting.Exports.BatchWriter.WriterOptions(format), leaveOpen: true))
        {
            foreach (var payload in payloads)
            {
                csv.WriteField(payload);
            }

            csv.EndRecord();
        }

        using var reader = CsvHelper.CsvReader.Create(stream.ToArray(), new CsvHelper.CsvReaderOptions { Separator = format.Separator, HasHeader = false, TrimWhitespace = false, DetectSeparatorHint = false });
        Assert.True(reader.Read());
        Assert.Equal(payloads.Select(p => "'" + p), Enumerable.Range(0, reader.FieldCount).Select(reader.GetString));
    }
}
