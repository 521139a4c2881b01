using System.Text.Json;
using System.Text.Json.Nodes;
using AccreditationReporting.Contracts;
using AccreditationReporting.Ingestion;
using AccreditationReporting.Privacy;
using AccreditationReporting.Tests.Fixtures;
using NJsonSchema;

namespace AccreditationReporting.Tests.Contracts;

/// <summary>
/// The published JSON Schema, the README's example and the service's own checks must agree, or a
/// publisher in another language builds against the wrong contract.
/// </summary>
public sealed class CourseCompletedSchemaTests
{
    private static readonly string SchemaPath = Path.Combine(AppContext.BaseDirectory, "Contracts", "course-completed.v1.schema.json");

    [Fact]
    public async Task ReadmeExampleMatchesThePublishedSchema()
    {
        var schema = await JsonSchema.FromFileAsync(SchemaPath);

        var errors = schema.Validate(SampleEvents.Example().ToJsonString());

        Assert.Empty(errors);
    }

    [Fact]
    public async Task SchemaRejectsAnEventWithoutAnEventId()
    {
        var schema = await JsonSchema.FromFileAsync(SchemaPath);
        var example = SampleEvents.Example();
        example.Remove("eventId");

        Assert.Contains(schema.Validate(example.ToJsonString()), e => e.Property == "eventId");
    }

    [Fact]
    public void ReadmeExampleIsAcceptedByTheService()
    {
        var message = SampleEvents.Example().ToMessage();

        var accepted = CompletionCheck.Check(message, ReceivedAt, PolicyVersions.Shipped.ToHashSet()).Accepted;

        Assert.NotNull(accepted);
        Assert.Equal("lms-user-48151", accepted.Learner.LearnerId);
        Assert.Equal(2, accepted.Completion.Awards.Count);
    }

    private static readonly DateTimeOffset ReceivedAt = new(2026, 11, 21, 8, 0, 0, TimeSpan.Zero);

    public static TheoryData<string> FieldsTheSchemaRequiresOfTheLearner() => RequiredOf("#/$defs/learner");

    public static TheoryData<string> FieldsTheSchemaRequiresOfTheActivity() => RequiredOf("#/$defs/activity");

    [Theory]
    [MemberData(nameof(FieldsTheSchemaRequiresOfTheLearner))]
    public void ServiceRejectsAnEventMissingALearnerFieldTheSchemaRequires(string field) =>
        AssertRejectedNaming($"learner.{field}", json => json["learner"]!.AsObject().Remove(field));

    [Theory]
    [MemberData(nameof(FieldsTheSchemaRequiresOfTheActivity))]
    public void ServiceRejectsAnEventMissingAnActivityFieldTheSchemaRequires(string field)
    {
        AssertRejectedNaming($"activity.{field}", json => json["activity"]!.AsObject().Remove(field));
    }

    private static void AssertRejectedNaming(string field, Action<JsonObject> change)
    {
        var json = SampleEvents.Example();
        change(json);
        var message = json.ToMessage();

        var result = CompletionCheck.Check(message, ReceivedAt, PolicyVersions.Shipped.ToHashSet());

        Assert.Contains(result.Rejections, r => r.Field == field && r.Code == RuleCodes.Required);
    }

    private static TheoryData<string> RequiredOf(string pointer)
    {
        var schema = JsonNode.Parse(File.ReadAllText(SchemaPath))!;
        var definition = schema["$defs"]![pointer.Split('/').Last()]!;
        return new TheoryData<string>(definition["required"]!.AsArray().Select(n => n!.GetValue<string>()));
    }
}
