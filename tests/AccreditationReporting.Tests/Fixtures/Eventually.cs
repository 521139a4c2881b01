namespace AccreditationReporting.Tests.Fixtures;

/// <summary>Waits for an asynchronous outcome (a message consumed, a row stored) with a bound.</summary>
public static class Eventually
{
    public static async Task TrueAsync(Func<Task<bool>> condition, TimeSpan? timeout = null, string what = "condition")
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out waiting for {what}.");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>Waits until <paramref name="attempt"/> gives a value.</summary>
    public static async Task<T> ValueAsync<T>(Func<Task<T?>> attempt, TimeSpan? timeout = null, string what = "a value") where T : class
    {
        T? value = null;
        await TrueAsync(async () => (value = await attempt()) is not null, timeout, what);
        return value!;
    }
}
