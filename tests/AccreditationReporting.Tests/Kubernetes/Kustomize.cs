using System.Diagnostics;

namespace AccreditationReporting.Tests.Kubernetes;

/// <summary>
/// Renders a kustomization under deploy/kubernetes as <c>kubectl apply -k</c> would, with the
/// kustomize built into kubectl (our machine image and CI ship kubectl 1.32, kustomize v5.5).
/// Nothing is sent to a cluster: <c>kubectl kustomize</c> only reads the files.
/// </summary>
internal static class Kustomize
{
    public static string Root { get; } = Fixtures.RepositoryRoot.Folder;

    public static string ManifestsDirectory => Path.Combine(Root, "deploy", "kubernetes");

    public static async Task<string> BuildAsync(string kustomization)
    {
        var start = new ProcessStartInfo("kubectl")
        {
            ArgumentList = { "kustomize", Path.Combine(ManifestsDirectory, kustomization) },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            throw new InvalidOperationException(
                "kubectl is not on PATH: the manifests are rendered with its built-in kustomize (kubectl 1.27 or later; README, \"Kubernetes\")");
        }

        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync();
            var errors = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await process.WaitForExitAsync(timeout.Token);
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"kubectl kustomize {kustomization} failed: {await errors}");
            }

            return await output;
        }
    }
}
