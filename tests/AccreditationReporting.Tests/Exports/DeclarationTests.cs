using System.Text.Json.Nodes;
using AccreditationReporting.Tests.Fixtures;

namespace AccreditationReporting.Tests.Exports;

/// <summary>Policies and formats are data, checked before the service starts.</summary>
public sealed class DeclarationTests
{
    private static readonly string SourceDirectory = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "src", "AccreditationReporting"));

    [Fact]
    public async Task AFormatFieldThePolicyDoesNotAllowStopsTheStartNamingBoth()
    {
        var policies = JsonNode.Parse(File.ReadAllText(Path.Combine(SourceDirectory, "Privacy", "policies.json")))!;
        var mayo = policies["policies"]!.AsArray().Single(p => (string)p!["version"]! == "mayo-cme-2018-06-15")!;
        mayo["recipients"]!["joint-provider"]!["fields"]!.AsObject().Remove("quiz-score");
        var file = Path.Combine(Path.GetTempPath(), $"policies-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, policies.ToJsonString());

        var error = await Assert.ThrowsAnyAsync<Exception>(() =>
            ReportingService.StartAsync(useRabbitMq: false, settings: new Dictionary<string, string?> { ["Policies:File"] = file }));

        var message = error.ToString();
        Assert.Contains("'joint-provider'", message);
        Assert.Contains("'quiz-score'", message);
        Assert.Contains("'mayo-cme-2018-06-15'", message);
    }

    [Fact]
    public async Task AFormatFieldTheRowTypeDoesNotHaveStopsTheStart()
    {
        var formats = JsonNode.Parse(File.ReadAllText(Path.Combine(SourceDirectory, "Exports", "recipient-formats.json")))!;
        var joint = formats["recipients"]!.AsArray().Single(r => (string)r!["id"]! == "joint-provider")!;
        joint["columns"]!.AsArray().Add(new JsonObject { ["field"] = "email", ["header"] = "Email" });
        var file = Path.Combine(Path.GetTempPath(), $"formats-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, formats.ToJsonString());

        var error = await Assert.ThrowsAnyAsync<Exception>(() =>
            ReportingService.StartAsync(useRabbitMq: false, settings: new Dictionary<string, string?> { ["Exports:FormatsFile"] = file }));

        Assert.Contains("names field 'email', which the recipient's row type does not have", error.ToString());
    }

    [Fact]
    public void TheShippedDataLetsNoLaboratoryLearnerOutAndNoMedmasteryLearnerToAccme()
    {
        // The shipped data itself: the laboratory policy names no recipient at all.
        var policies = JsonNode.Parse(File.ReadAllText(Path.Combine(SourceDirectory, "Privacy", "policies.json")))!;
        var labs = policies["policies"]!.AsArray().Single(p => (string)p!["version"]! == "mayo-medical-laboratories-2014-12-17")!;
        Assert.Empty(labs["recipients"]!.AsObject());
        var medmastery = policies["policies"]!.AsArray().Single(p => (string)p!["version"]! == "medmastery-2017-06-20")!;
        Assert.Null(medmastery["recipients"]!["accme-pars-learners"]);
    }
}
