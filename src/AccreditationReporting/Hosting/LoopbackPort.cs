using System.Net;
using System.Net.Sockets;

namespace AccreditationReporting.Hosting;

public static class LoopbackPort
{
    /// <summary>A TCP port free on 127.0.0.1 right now, for a throwaway server to listen on.</summary>
    public static int Free() => Free(1)[0];

    /// <summary>
    /// <paramref name="count"/> distinct free ports: each held until all are chosen, since two calls of
    /// <see cref="Free()"/> may both be given the port the first one just let go.
    /// </summary>
    public static int[] Free(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        try
        {
            listeners.ForEach(l => l.Start());
            return [.. listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port)];
        }
        finally
        {
            listeners.ForEach(l => l.Stop());
        }
    }
}
