using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using AccreditationReporting.Hosting;
using AccreditationReporting.Storage;
using Microsoft.AspNetCore.DataProtection;

namespace AccreditationReporting.StaffConsole;

/// <summary>
/// The keys that protect the console's cookie, its antiforgery tokens and the sign-in's state. With
/// a certificate configured they are kept in PostgreSQL (<c>data_protection_keys</c>), each key's
/// secret encrypted with the certificate, so every instance reads what any other wrote and a
/// restarted instance signs nobody out; a database reader without the certificate's private key
/// cannot forge a console cookie. Without one, each instance keeps its own keys in memory, which
/// does for Development, the demo and a single instance.
/// </summary>
public static class ConsoleKeys
{
    public const string Section = "DataProtection";

    public static IHostApplicationBuilder AddConsoleKeys(this IHostApplicationBuilder builder)
    {
        // One name for every instance and version: keys are shared only between equal names.
        var dataProtection = builder.Services.AddDataProtection().SetApplicationName(ServiceTelemetry.ServiceName);
        var section = builder.Configuration.GetSection(Section);
        var shared = !string.IsNullOrWhiteSpace(section["CertificatePath"]);
        builder.Services.AddSingleton(new ConsoleKeyRing(shared));
        if (!shared)
        {
            return builder;
        }

        var certificate = Certificate(section, Section);

        // Retired certificates still decrypt the keys they encrypted, until those keys expire (90 days).
        var retired = section.GetSection("Retired").GetChildren()
            .Select(child => Certificate(child, $"{Section}:Retired:{child.Key}"));
        dataProtection
            .PersistKeysToDbContext<ReportingDbContext>()
            .ProtectKeysWithCertificate(certificate)
            .UnprotectKeysWithAnyCertificate([certificate, .. retired]);
        return builder;
    }

    /// <summary>A certificate and its private key, each a PEM file (a Kubernetes TLS Secret mounts both).</summary>
    private static X509Certificate2 Certificate(IConfigurationSection section, string name)
    {
        var certificatePath = section["CertificatePath"];
        var keyPath = section["KeyPath"];
        if (string.IsNullOrWhiteSpace(certificatePath) || string.IsNullOrWhiteSpace(keyPath))
        {
            throw new StartupProblemException($"{name}:CertificatePath and {name}:KeyPath are both needed (PEM files)");
        }

        try
        {
            var certificate = X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
            return certificate.GetRSAPublicKey() is not null
                ? certificate
                : throw new StartupProblemException($"{name}:CertificatePath must hold an RSA certificate (the key ring's encryption needs one)");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            // The reason, not the files' contents.
            throw new StartupProblemException($"{name}:CertificatePath and {name}:KeyPath could not be read as a certificate and its key: {e.GetType().Name}");
        }
    }
}

/// <summary>Whether the console's keys are shared by every instance (kept in PostgreSQL).</summary>
public sealed record ConsoleKeyRing(bool Shared);
