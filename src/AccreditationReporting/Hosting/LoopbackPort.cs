using System.Net;
using System.Net.Sockets;

namespace AccreditationReporting.Hosting;

public static class LoopbackPort
{
    /// <summary>A TCP port free on 127.0.0.1 right now, for a throwaway server to listen on.</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
