namespace AccreditationReporting.Bench;

/// <summary>
/// One run's database and who connects to it. The service's migrate step runs as
/// <paramref name="Owner"/> and the service itself as <paramref name="Service"/>, which can only
/// read and write rows, as in a deployment. The bench's own work (seeding, the raw COPY, counting
/// rows, watching pg_stat_activity) uses <paramref name="Admin"/>: the server's connection from
/// the environment, or the throwaway server's superuser.
/// </summary>
internal sealed record BenchDatabase(string Name, string Admin, string Owner, string Service);
