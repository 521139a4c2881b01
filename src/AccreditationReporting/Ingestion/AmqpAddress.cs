using MassTransit;

namespace AccreditationReporting.Ingestion;

/// <summary>
/// Reads <c>ConnectionStrings:RabbitMq</c> as an AMQP URI (amqp[s]://user:password@host:port/vhost),
/// the form every RabbitMQ client understands, and hands each part to MassTransit explicitly.
/// </summary>
internal static class AmqpAddress
{
    public static void ConfigureHost(IRabbitMqBusFactoryConfigurator bus, string amqpUri)
    {
        if (!Uri.TryCreate(amqpUri, UriKind.Absolute, out var uri) || uri.Scheme is not ("amqp" or "amqps"))
        {
            throw new InvalidOperationException("ConnectionStrings:RabbitMq must be an AMQP URI: amqp://user:password@host:port/vhost");
        }

        var secure = uri.Scheme == "amqps";
        var port = uri.IsDefaultPort || uri.Port < 0 ? (secure ? 5671 : 5672) : uri.Port;
        var virtualHost = uri.AbsolutePath is "" or "/" ? "/" : Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/'));
        var user = uri.UserInfo.Split(':', 2);

        bus.Host(uri.Host, (ushort)port, virtualHost, host =>
        {
            if (user[0].Length > 0)
            {
                host.Username(Uri.UnescapeDataString(user[0]));
                host.Password(user.Length > 1 ? Uri.UnescapeDataString(user[1]) : string.Empty);
            }

            if (secure)
            {
                host.UseSsl(ssl => ssl.ServerName = uri.Host);
            }
        });
    }
}
