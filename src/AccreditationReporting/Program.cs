using System.Reflection;
using AccreditationReporting.Access;
using AccreditationReporting.Api;
using AccreditationReporting.Audit;
using AccreditationReporting.StaffConsole;
using AccreditationReporting.Demo;
using AccreditationReporting.Exports;
using AccreditationReporting.Hosting;
using AccreditationReporting.Ingestion;
using AccreditationReporting.Privacy;
using AccreditationReporting.Retention;
using AccreditationReporting.Storage;

try
{
    var (command, hostArguments) = ServiceCommandLine.Parse(args);
    var builder = WebApplication.CreateBuilder(hostArguments);
    builder.UseServiceCommand(command);
    builder.RequireDeploymentSettings();
    builder.UseDevelopmentEndpoints();

    builder.AddServiceDefaults();
    builder.AddReportingStorage();
    builder.AddIngestion();
    builder.AddExports();
    builder.AddLearnerRights();
    builder.AddRetention();
    builder.AddAccessControl();
    builder.AddAuditTrail();
    builder.AddReportingApi();
    builder.AddConsole();
    if (command == ServiceCommand.Demo)
    {
        builder.AddDemo();
    }

    var app = builder.Build();

    app.UseAccessControl();
    app.MapReportingApi();
    app.MapConsole();
    app.MapDefaultEndpoints();

    if (command == ServiceCommand.Migrate)
    {
        await app.Services.MigrateDatabaseAsync();
        return 0;
    }

    await app.RunAsync();
    return 0;
}
catch (StartupProblemException problem)
{
    // One line naming the setting, not a stack trace.
    Console.Error.WriteLine(problem.Message);
    return 2;
}
catch (ExportCatalogException problem) when (Assembly.GetEntryAssembly() == typeof(Program).Assembly)
{
    // The policies, formats, joint providers or schedules disagree: each problem on a line of its own.
    // Only when run as the program itself: a test host or design-time tool that builds the host
    // through this entry point needs the exception, not an exit code.
    Console.Error.WriteLine(problem.Message);
    return 2;
}


public partial class Program;
