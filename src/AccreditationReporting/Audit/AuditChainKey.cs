using System.Text;
using AccreditationReporting.Hosting;

namespace AccreditationReporting.Audit;

/// <summary>
/// The secret the audit chain is keyed with (<c>Audit:ChainKey</c>, base64 of at least 32 bytes). It
/// lives with the service's other secrets, never in the database: the database's owner can then
/// change an entry but not make the chain fit again. Development and the demo use a fixed key that
/// is no secret, so a development trail stays verifiable across restarts.
/// </summary>
public sealed class AuditChainKey(byte[] bytes)
{
    public const string Setting = "Audit:ChainKey";

    private static readonly byte[] DevelopmentKey = Encoding.UTF8.GetBytes("development only: not a secret, never a deployment's key");

    public byte[] Bytes { get; } = bytes;

    public static AuditChainKey Read(IConfiguration configuration, bool allowDevelopmentKey)
    {
        var value = configuration[Setting];
        if (string.IsNullOrWhiteSpace(value))
        {
            // Outside development a missing key has already stopped the start (DeploymentSettings).
            return allowDevelopmentKey ? new AuditChainKey(DevelopmentKey) : throw new StartupProblemException($"{Setting} is not set");
        }

        var bytes = new byte[value.Length];
        return Convert.TryFromBase64String(value, bytes, out var length) && length >= 32
            ? new AuditChainKey(bytes[..length])
            : throw new StartupProblemException($"{Setting} must be base64 of at least 32 random bytes");
    }
}
