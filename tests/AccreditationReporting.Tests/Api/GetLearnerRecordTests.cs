using AccreditationReporting.Api.V1;
using AccreditationReporting.Contracts;
using AccreditationReporting.Tests.Fixtures;
using Google.Rpc;
using Grpc.Core;
using Grpc.Health.V1;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace AccreditationReporting.Tests.Api;

/// <summary>The service on its embedded bus (no RabbitMQ configured), called over a real socket.</summary>
public sealed class InMemoryServiceFixture : IAsyncLifetime
{
    public ReportingService Service { get; private set; } = null!;

    public async Task InitializeAsync() => Service = await ReportingService.StartAsync(useRabbitMq: false);

    public async Task DisposeAsync() => await Service.DisposeAsync();
}

public sealed class GetLearnerRecordTests(InMemoryServiceFixture fixture) : IClassFixture<InMemoryServiceFixture>
{
    [Fact]
    public async Task UnknownLearnerIsNotFound()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() =>
            fixture.Service.CompletionClient().GetLearnerRecordAsync(new GetLearnerRecordRequest { LearnerId = "nobody-by-this-id" }).ResponseAsync);

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
    }

    [Theory]
    [InlineData("", "is required")]
    [InlineData(" padded ", "must not begin or end with white space")]
    [InlineData("line\nbreak", "must not contain control characters")]
    public async Task MalformedLearnerIdIsInvalidArgumentNamingTheField(string learnerId, string reason)
    {
        var error = await Assert.ThrowsAsync<RpcException>(() =>
            fixture.Service.CompletionClient().GetLearnerRecordAsync(new GetLearnerRecordRequest { LearnerId = learnerId }).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        var violation = Assert.Single(error.GetRpcStatus()!.GetDetail<BadRequest>()!.FieldViolations);
        Assert.Equal("learner_id", violation.Field);
        Assert.Equal(reason, violation.Description);
    }

    [Fact]
    public async Task OverlongLearnerIdIsInvalidArgument()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() =>
            fixture.Service.CompletionClient().GetLearnerRecordAsync(new GetLearnerRecordRequest { LearnerId = new string('x', 129) }).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal("learner_id", Assert.Single(error.GetRpcStatus()!.GetDetail<BadRequest>()!.FieldViolations).Field);
    }

    [Fact]
    public async Task EventPublishedOnTheEmbeddedBusIsReadableOverGrpc()
    {
        var (eventId, learnerId, json) = SampleEvents.Fresh();
        var message = json.ToMessage();

        await fixture.Service.Services.GetRequiredService<IBus>().Publish(message);
        await fixture.Service.Consumed.WaitForAsync(eventId, 1);

        var record = await fixture.Service.CompletionClient().GetLearnerRecordAsync(new GetLearnerRecordRequest { LearnerId = learnerId });
        Assert.Equal(eventId.ToString(), Assert.Single(record.Completions).EventId);
    }

    [Fact]
    public async Task ReflectionListsTheCompletionServiceInDevelopment()
    {
        var reflection = new Grpc.Reflection.V1Alpha.ServerReflection.ServerReflectionClient(fixture.Service.CreateChannel());
        using var call = reflection.ServerReflectionInfo();

        await call.RequestStream.WriteAsync(new Grpc.Reflection.V1Alpha.ServerReflectionRequest { ListServices = string.Empty });
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));

        Assert.Contains(call.ResponseStream.Current.ListServicesResponse.Service, s => s.Name == "accreditation.v1.CompletionService");
    }

    [Fact]
    public async Task HealthServiceReportsServing()
    {
        var health = new Health.HealthClient(fixture.Service.CreateChannel());

        var response = await health.CheckAsync(new HealthCheckRequest());

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, response.Status);
    }
}
