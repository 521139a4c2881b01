using System.Text;
using AccreditationReporting.Hosting;

namespace AccreditationReporting.Audit;

/// <summary>
/// The secret the audit chain is keyed with (<c>Audit:ChainKey</c>, base64 of at least 32 bytes). It
/// lives with the service's other secrets, never in the database: the database's owner can then
/// change an entry but not make the chain fit again. Development and the demo use a fixed key that
/// is no secret, so a development trail stays verifiable across restarts.
/// </summary>
/// <remarks>
/// A key is rotated by making it retired (<c>Audit:RetiredChainKeys:0</c>, <c>:1</c>, ... oldest first)
/// and configuring a new current one: new entries are keyed with the current key, and the verifier
/// checks older ones with the keys that were current when they were written. Keys only move forward
/// along the chain (see <see cref="AuditVerifier"/>), so a retired key, once rotated away because it
/// may have leaked, cannot key an entry written after the rotation.
/// </remarks>
public sealed class AuditChainKey(byte[] bytes, IReadOnlyList<byte[]>? retired = null)
{
    public const string Setting = "Audit:ChainKey";
    public const string RetiredSetting = "Audit:RetiredChainKeys";

    private static readonly byte[] DevelopmentKey = Encoding.UTF8.GetBytes("development only: not a secret, never a deployment's key");

    /// <summary>The current key: every new entry is keyed with it.</summary>
    public byte[] Bytes { get; } = bytes;

    /// <summary>Every key the chain may have been keyed with, the oldest first and the current one last.</summary>
    public IReadOnlyList<byte[]> InOrder { get; } = [.. retired ?? [], bytes];

    public static AuditChainKey Read(IConfiguration configuration, bool allowDevelopmentKey)
    {
        var retired = configuration.GetSection(RetiredSetting).GetChildren()
            .OrderBy(k => int.TryParse(k.Key, out var index) ? index : int.MaxValue)
            .Select(k => Decode(k.Value, k.Path))
            .ToList();
        var value = configuration[Setting];
        if (string.IsNullOrWhiteSpace(value))
        {
            // Outside development a missing key has already stopped the start (DeploymentSettings).
            return allowDevelopmentKey ? new AuditChainKey(DevelopmentKey, retired) : throw new StartupProblemException($"{Setting} is not set");
        }

        return new AuditChainKey(Decode(value, Setting), retired);
    }

    private static byte[] Decode(string? value, string setting)
    {
        var bytes = new byte[value?.Length ?? 0];
        return Convert.TryFromBase64String(value ?? "", bytes, out var length) && length >= 32
            ? bytes[..length]
            : throw new StartupProblemException($"{setting} must be base64 of at least 32 random bytes");
    }
}
