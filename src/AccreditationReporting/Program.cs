using AccreditationReporting.Api;
using AccreditationReporting.Demo;
using AccreditationReporting.Exports;
using AccreditationReporting.Hosting;
using AccreditationReporting.Ingestion;
using AccreditationReporting.Privacy;
using AccreditationReporting.Storage;

var (command, hostArguments) = ServiceCommandLine.Parse(args);
var builder = WebApplication.CreateBuilder(hostArguments);

builder.AddServiceDefaults();
builder.AddReportingStorage();
builder.AddIngestion();
builder.AddExports();
builder.AddLearnerRights();
builder.AddReportingApi();
if (command == ServiceCommand.Demo)
{
    builder.AddDemo();
}

var app = builder.Build();

app.MapReportingApi();
app.MapDefaultEndpoints();

if (command == ServiceCommand.Migrate)
{
    await app.MigrateDatabaseAsync();
    return;
}

await app.RunAsync();

public partial class Program;
