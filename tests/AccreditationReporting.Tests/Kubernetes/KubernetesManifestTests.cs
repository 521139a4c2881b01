using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace AccreditationReporting.Tests.Kubernetes;

/// <summary>
/// deploy/kubernetes cannot be applied here (no cluster): each kustomization is rendered with
/// kubectl's kustomize, every resource is checked against its kind (ManifestSchemas), and what the
/// issue asks of the deployment is checked in the rendered output.
/// </summary>
public sealed partial class KubernetesManifestTests
{
    public static TheoryData<string> Kustomizations => new() { "base", "overlays/staging", "overlays/production" };

    public static TheoryData<string> Overlays => new() { "overlays/staging", "overlays/production" };

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public async Task EveryRenderedResourceIsValidForItsKind(string kustomization)
    {
        var rendered = await RenderedManifests.BuildAsync(kustomization);

        var problems = rendered.Resources.SelectMany(ManifestSchemas.Problems).ToList();
        Assert.NotEmpty(rendered.Resources);
        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    [Theory]
    [InlineData("replicas-as-a-word")]
    [InlineData("replicas-quoted")]
    [InlineData("misspelt-field")]
    [InlineData("memory-not-a-quantity")]
    [InlineData("cluster-instances-missing")]
    [InlineData("cluster-misspelt-field")]
    [InlineData("backup-method-unknown")]
    [InlineData("rabbitmq-replicas-quoted")]
    [InlineData("unknown-kind")]
    public async Task ABrokenResourceIsRefused(string breakage)
    {
        var yaml = await Kustomize.BuildAsync("overlays/production");
        if (breakage == "replicas-quoted")
        {
            // In the YAML text: "3" quoted is a string, which the API server refuses for replicas.
            Assert.Contains("  replicas: 3\n", yaml, StringComparison.Ordinal);
            yaml = yaml.Replace("  replicas: 3\n  revisionHistoryLimit", "  replicas: \"3\"\n  revisionHistoryLimit", StringComparison.Ordinal);
        }

        var rendered = new RenderedManifests("broken", YamlDocuments.Parse(yaml));
        var deployment = rendered.Single("Deployment", "accreditation-reporting");
        var cluster = rendered.Single("Cluster", "accreditation-postgres");
        var (broken, field) = breakage switch
        {
            "replicas-quoted" => (deployment, "replicas"),
            "replicas-as-a-word" => Break(deployment, d => d["spec"]!["replicas"] = "three", "replicas"),
            "misspelt-field" => Break(deployment, d => RenderedManifests.Container(d, "service")["imagePullPolicyy"] = "Always", "imagePullPolicyy"),
            "memory-not-a-quantity" => Break(deployment, d => RenderedManifests.Container(d, "service")["resources"]!["limits"]!["memory"] = "half a gig", "half a"),
            "cluster-instances-missing" => Break(cluster, c => c["spec"]!.AsObject().Remove("instances"), "instances"),
            "cluster-misspelt-field" => Break(cluster, c => c["spec"]!["instance"] = 2, "instance"),
            "backup-method-unknown" => Break(rendered.OfKind("ScheduledBackup").Single(), b => b["spec"]!["method"] = "barman", "method"),
            "rabbitmq-replicas-quoted" => Break(rendered.OfKind("RabbitmqCluster").Single(), r => r["spec"]!["replicas"] = "3", "replicas"),
            "unknown-kind" => Break(cluster, c => c["kind"] = "Clustr", "Clustr"),
            _ => throw new ArgumentOutOfRangeException(nameof(breakage)),
        };

        var problems = ManifestSchemas.Problems(broken);
        var problem = Assert.Single(problems);
        Assert.True(problem.Contains(field, StringComparison.Ordinal), problem);
        Assert.Empty(rendered.Resources.Where(r => !ReferenceEquals(r, broken)).SelectMany(ManifestSchemas.Problems));
    }

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public async Task EveryResourceBelongsToOneStepOfTheApplyOrder(string kustomization)
    {
        // README, "Kubernetes": database and broker, then the migration, then the service, each
        // step applied by its app.kubernetes.io/component label. A resource with another label, or
        // none, would be left out of every step.
        var rendered = await RenderedManifests.BuildAsync(kustomization);
        Assert.All(rendered.Resources, resource => Assert.Contains(
            (string?)resource["metadata"]!["labels"]?["app.kubernetes.io/component"], new[] { "database", "broker", "migration", "api" }));

        // A workload's pods may depend only on resources of its own step or an earlier one.
        var job = rendered.Single("Job", "accreditation-reporting-migrate");
        var account = rendered.Single("ServiceAccount", (string)RenderedManifests.PodSpec(job)["serviceAccountName"]!);
        Assert.Equal("migration", (string?)account["metadata"]!["labels"]!["app.kubernetes.io/component"]);
    }

    [Fact]
    public async Task ProductionRunsThreeReplicasOfWhichADisruptionTakesOne()
    {
        var production = await RenderedManifests.BuildAsync("overlays/production");
        var deployment = production.Single("Deployment", "accreditation-reporting");
        var budget = production.Single("PodDisruptionBudget", "accreditation-reporting");

        Assert.Equal(3, (int)deployment["spec"]!["replicas"]!);
        Assert.True(JsonNode.DeepEquals(deployment["spec"]!["selector"], budget["spec"]!["selector"]));
        Assert.True((int?)budget["spec"]!["maxUnavailable"] == 1 || (int?)budget["spec"]!["minAvailable"] == 2, budget.ToJsonString());

        // Spread over nodes: no node holds two replicas while another has none.
        var spread = RenderedManifests.PodSpec(deployment)["topologySpreadConstraints"]!.AsArray();
        Assert.Contains(spread, c => (string?)c!["topologyKey"] == "kubernetes.io/hostname" && (string?)c["whenUnsatisfiable"] == "DoNotSchedule" && (int?)c["maxSkew"] == 1);
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task TheServiceAndItsMigrationRunUnprivilegedOnAReadOnlyRootWithLimits(string overlay)
    {
        var rendered = await RenderedManifests.BuildAsync(overlay);
        foreach (var (workload, container) in new[] { ("Deployment", "service"), ("Job", "migrate") })
        {
            var resource = rendered.OfKind(workload).Single();
            var pod = RenderedManifests.PodSpec(resource);
            var main = RenderedManifests.Container(resource, container);
            Assert.True((bool?)pod["securityContext"]!["runAsNonRoot"] == true, $"{workload}: runAsNonRoot");
            Assert.True((bool?)pod["automountServiceAccountToken"] == false, $"{workload}: no API token");
            Assert.True((bool?)main["securityContext"]!["readOnlyRootFilesystem"] == true, $"{workload}: read-only root");
            Assert.True((bool?)main["securityContext"]!["allowPrivilegeEscalation"] == false, $"{workload}: no escalation");
            Assert.Equal(["ALL"], main["securityContext"]!["capabilities"]!["drop"]!.AsArray().Select(c => (string)c!));
            foreach (var bound in new[] { "requests", "limits" })
            {
                Assert.NotNull(main["resources"]![bound]!["cpu"]);
                Assert.NotNull(main["resources"]![bound]!["memory"]);
            }

            // /tmp is the one writable place (ASP.NET Core's buffered bodies); nothing else is written.
            Assert.Contains(main["volumeMounts"]!.AsArray(), m => (string?)m!["mountPath"] == "/tmp");
        }

        // The service's peak RSS measured in docs/benchmarks.md is 185-210 MiB: its request covers it.
        var service = RenderedManifests.Container(rendered.Single("Deployment", "accreditation-reporting"), "service");
        Assert.True(MiB((string)service["resources"]!["requests"]!["memory"]!) >= 256);
        Assert.True(MiB((string)service["resources"]!["limits"]!["memory"]!) > MiB((string)service["resources"]!["requests"]!["memory"]!));
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task ThePodIsGivenTimeToFinishWhatItHasInHandWhenStopped(string overlay)
    {
        var rendered = await RenderedManifests.BuildAsync(overlay);
        var deployment = rendered.Single("Deployment", "accreditation-reporting");
        var container = RenderedManifests.Container(deployment, "service");
        var environment = rendered.Environment(container);

        // The host's shutdown timeout covers MassTransit's 30 s stop (Ingestion/IngestionExtensions.cs),
        // and the grace period covers the preStop pause and the shutdown timeout.
        var shutdown = int.Parse(environment["DOTNET_SHUTDOWNTIMEOUTSECONDS"], System.Globalization.CultureInfo.InvariantCulture);
        var pause = (int)container["lifecycle"]!["preStop"]!["sleep"]!["seconds"]!;
        Assert.True(shutdown >= 30, $"shutdown timeout {shutdown} s");
        Assert.True((int)RenderedManifests.PodSpec(deployment)["terminationGracePeriodSeconds"]! > pause + shutdown);
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task ReadinessAsksTheGrpcHealthServiceAndLivenessChecksNoDependency(string overlay)
    {
        var rendered = await RenderedManifests.BuildAsync(overlay);
        var container = RenderedManifests.Container(rendered.Single("Deployment", "accreditation-reporting"), "service");
        var environment = rendered.Environment(container);
        var grpcPort = container["ports"]!.AsArray().Single(p => (string?)p!["name"] == "grpc")!;

        // The gRPC health service (MapGrpcHealthChecksService) answers readiness (PostgreSQL and the
        // bus) as its overall status and liveness (nothing outside the process) as "liveness", on the
        // port Kestrel serves HTTP/2 on.
        Assert.Equal((int)grpcPort["containerPort"]!, (int)container["readinessProbe"]!["grpc"]!["port"]!);
        Assert.Equal($"http://0.0.0.0:{(int)grpcPort["containerPort"]!}", environment["Kestrel__Endpoints__Grpc__Url"]);
        Assert.Equal("Http2", environment["Kestrel__Endpoints__Grpc__Protocols"]);
        Assert.Null((string?)container["readinessProbe"]!["grpc"]!["service"]);
        Assert.Equal((int)grpcPort["containerPort"]!, (int)container["livenessProbe"]!["grpc"]!["port"]!);
        Assert.Equal(AccreditationReporting.Hosting.ServiceDefaults.LivenessService, (string?)container["livenessProbe"]!["grpc"]!["service"]);
    }

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public async Task SecretsAreReferencedNeverShippedAndEachIsDocumented(string kustomization)
    {
        var rendered = await RenderedManifests.BuildAsync(kustomization);
        Assert.Empty(rendered.OfKind("Secret"));

        var readme = await File.ReadAllTextAsync(Path.Combine(Kustomize.Root, "README.md"));
        var referenced = SecretNames(rendered).ToHashSet();
        Assert.NotEmpty(referenced);
        foreach (var secret in referenced)
        {
            Assert.True(readme.Contains($"`{secret}`", StringComparison.Ordinal), $"README does not say how the Secret {secret} is made");
        }
    }

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public async Task EveryConfigMapAPodUsesIsInTheRenderAndEveryDependentVariableIsDefinedBeforeUse(string kustomization)
    {
        var rendered = await RenderedManifests.BuildAsync(kustomization);
        var configMaps = rendered.OfKind("ConfigMap").Select(c => (string)c["metadata"]!["name"]!).ToHashSet();
        foreach (var workload in rendered.OfKind("Deployment").Concat(rendered.OfKind("Job")))
        {
            var pod = RenderedManifests.PodSpec(workload);
            var used = pod["containers"]!.AsArray().SelectMany(c => c!["envFrom"]?.AsArray() ?? []).Select(s => (string?)s!["configMapRef"]?["name"])
                .Concat(pod["volumes"]?.AsArray().Select(v => (string?)v!["configMap"]?["name"]) ?? [])
                .OfType<string>();
            Assert.All(used, name => Assert.Contains(name, configMaps));

            foreach (var container in pod["containers"]!.AsArray())
            {
                var defined = new HashSet<string>(StringComparer.Ordinal);
                foreach (var entry in container!["env"]?.AsArray() ?? [])
                {
                    foreach (Match reference in DependentVariable().Matches((string?)entry!["value"] ?? ""))
                    {
                        Assert.True(defined.Contains(reference.Groups[1].Value), $"{reference.Value} is used before it is defined in {entry["name"]}");
                    }

                    defined.Add((string)entry["name"]!);
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public async Task EverySettingGivenToTheServiceIsOneItReads(string kustomization)
    {
        var rendered = await RenderedManifests.BuildAsync(kustomization);
        var documented = await DocumentedSettings();
        foreach (var workload in rendered.OfKind("Deployment").Concat(rendered.OfKind("Job")))
        {
            foreach (var container in RenderedManifests.PodSpec(workload)["containers"]!.AsArray())
            {
                var environment = rendered.Environment(container!.AsObject());
                var helpers = environment.Values.SelectMany(v => DependentVariable().Matches(v)).Select(m => m.Groups[1].Value).ToHashSet();
                var unknown = environment.Keys.Where(key => !helpers.Contains(key) && !documented.Any(d => d.IsMatch(key)));
                Assert.Empty(unknown);
            }
        }
    }

    [Fact]
    public async Task TheDeclarationsInTheConfigMapAreTheShippedOnes()
    {
        foreach (var (copy, shipped) in new[]
        {
            ("policies.json", "src/AccreditationReporting/Privacy/policies.json"),
            ("recipient-formats.json", "src/AccreditationReporting/Exports/recipient-formats.json"),
        })
        {
            var inConfigMap = (await RenderedManifests.BuildAsync("base")).ConfigMapData("accreditation-reporting-declarations")[copy];
            Assert.Equal(await File.ReadAllTextAsync(Path.Combine(Kustomize.Root, shipped)), inConfigMap);
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task TheMigrationRunsAsTheOwnerAndGrantsTheRoleTheServiceConnectsAs(string overlay)
    {
        var rendered = await RenderedManifests.BuildAsync(overlay);
        var job = rendered.Single("Job", "accreditation-reporting-migrate");
        var deployment = rendered.Single("Deployment", "accreditation-reporting");
        var cluster = rendered.OfKind("Cluster").Single();
        var migrate = RenderedManifests.Container(job, "migrate");
        var service = RenderedManifests.Container(deployment, "service");

        Assert.Equal(["migrate"], migrate["args"]!.AsArray().Select(a => (string)a!));
        Assert.Equal((string?)service["image"], (string?)migrate["image"]);
        Assert.Equal("Never", (string?)RenderedManifests.PodSpec(job)["restartPolicy"]);

        // The owner's credentials are those CloudNativePG keeps for bootstrap.initdb.owner, in <cluster>-app.
        var clusterName = (string)cluster["metadata"]!["name"]!;
        var ownerSecrets = migrate["env"]!.AsArray().Select(e => (string?)e!["valueFrom"]?["secretKeyRef"]?["name"]).OfType<string>().Distinct();
        Assert.Equal([$"{clusterName}-app"], ownerSecrets);
        Assert.Equal("accreditation_owner", (string?)cluster["spec"]!["bootstrap"]!["initdb"]!["owner"]);

        // The grants go to the role CloudNativePG manages and the service logs in as.
        var migrateEnvironment = rendered.Environment(migrate);
        var serviceRole = migrateEnvironment["Database__ServiceRole"];
        Assert.Contains(cluster["spec"]!["managed"]!["roles"]!.AsArray(), r => (string?)r!["name"] == serviceRole && (bool?)r["login"] == true);
        var serviceConnection = rendered.Environment(service)["ConnectionStrings__Postgres"];
        Assert.Contains($"Username={serviceRole};", serviceConnection, StringComparison.Ordinal);
        foreach (var connection in new[] { serviceConnection, migrateEnvironment["ConnectionStrings__PostgresMigrations"] })
        {
            Assert.Contains($"Host={clusterName}-rw;", connection, StringComparison.Ordinal);
            Assert.Contains("SSL Mode=VerifyFull;", connection, StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task OnlyTheApisCallersAndTheIngressControllerGetInAndTheServiceReachesOnlyWhatItUses(string overlay)
    {
        var rendered = await RenderedManifests.BuildAsync(overlay);
        var deployment = rendered.Single("Deployment", "accreditation-reporting");
        var policy = rendered.Single("NetworkPolicy", "accreditation-reporting");
        var podLabels = deployment["spec"]!["template"]!["metadata"]!["labels"]!.AsObject();
        Assert.All(policy["spec"]!["podSelector"]!["matchLabels"]!.AsObject(), label => Assert.Equal((string?)label.Value, (string?)podLabels[label.Key]));
        Assert.Equal(["Ingress", "Egress"], policy["spec"]!["policyTypes"]!.AsArray().Select(t => (string)t!));

        var ingress = policy["spec"]!["ingress"]!.AsArray();
        Assert.Equal(2, ingress.Count);
        var callers = Assert.Single(ingress, rule => (string?)rule!["ports"]![0]!["port"] == "grpc")!;
        Assert.Equal("true", (string?)Assert.Single(callers["from"]!.AsArray())!["podSelector"]!["matchLabels"]!["accreditation-reporting/client"]);
        var console = Assert.Single(ingress, rule => (string?)rule!["ports"]![0]!["port"] == "console")!;
        Assert.Equal("ingress-nginx", (string?)Assert.Single(console["from"]!.AsArray())!["namespaceSelector"]!["matchLabels"]!["kubernetes.io/metadata.name"]);

        var egress = policy["spec"]!["egress"]!.AsArray();
        var ports = egress.SelectMany(rule => rule!["ports"]!.AsArray().Select(p => (int)p!["port"]!)).ToHashSet();
        Assert.Equal([53, 443, 5432, 5672], ports.Order());
        Assert.Contains(egress, rule => (string?)rule!["to"]![0]!["podSelector"]?["matchLabels"]?["cnpg.io/cluster"] == (string?)rendered.OfKind("Cluster").Single()["metadata"]!["name"]);
        Assert.Contains(egress, rule => (string?)rule!["to"]![0]!["podSelector"]?["matchLabels"]?["app.kubernetes.io/name"] == (string?)rendered.OfKind("RabbitmqCluster").Single()["metadata"]!["name"]);

        // https goes only to the address ranges the overlay names (the identity provider, the recipients).
        var https = Assert.Single(egress, rule => rule!["ports"]!.AsArray().Any(p => (int)p!["port"]! == 443))!;
        Assert.All(https["to"]!.AsArray(), peer => Assert.NotNull(peer!["ipBlock"]?["cidr"]));
    }

    [Theory]
    [InlineData("overlays/production", 3, "quorum")]
    [InlineData("overlays/staging", 1, "classic")]
    public async Task AQuorumQueueGoesWithAThreeNodeBroker(string overlay, int nodes, string queueType)
    {
        var rendered = await RenderedManifests.BuildAsync(overlay);
        var broker = rendered.OfKind("RabbitmqCluster").Single();
        var settings = rendered.ConfigMapData("accreditation-reporting-settings");

        Assert.Equal(nodes, (int)broker["spec"]!["replicas"]!);
        Assert.Equal(queueType, settings["Ingestion__QueueType"]);

        // The service connects to that broker, in the virtual host its user may use, where the error
        // queues' TTL policy applies.
        var vhost = (string)rendered.OfKind("Vhost").Single()["spec"]!["name"]!;
        var amqp = rendered.Environment(RenderedManifests.Container(rendered.Single("Deployment", "accreditation-reporting"), "service"))["ConnectionStrings__RabbitMq"];
        Assert.EndsWith($"@{(string)broker["metadata"]!["name"]!}:5672/{vhost}", amqp, StringComparison.Ordinal);
        Assert.Equal(vhost, (string?)rendered.OfKind("Permission").Single()["spec"]!["vhost"]);
        var errorQueues = rendered.OfKind("Policy").Single()["spec"]!;
        Assert.Equal(vhost, (string?)errorQueues["vhost"]);
        Assert.Matches((string)errorQueues["pattern"]!, $"{settings["Ingestion__EndpointName"]}_error");
        Assert.Matches((string)errorQueues["pattern"]!, $"{settings["Ingestion__EndpointName"]}_skipped");
        Assert.DoesNotMatch((string)errorQueues["pattern"]!, settings["Ingestion__EndpointName"]);
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task PostgreSqlHasASynchronousStandbyAndNightlyBackups(string overlay)
    {
        var rendered = await RenderedManifests.BuildAsync(overlay);
        var cluster = rendered.OfKind("Cluster").Single();
        var spec = cluster["spec"]!;
        Assert.Equal(2, (int)spec["instances"]!);
        Assert.Equal(1, (int)spec["postgresql"]!["synchronous"]!["number"]!);
        Assert.Equal("required", (string?)spec["affinity"]!["podAntiAffinityType"]);

        var archiver = Assert.Single(spec["plugins"]!.AsArray())!;
        Assert.True((bool)archiver["isWALArchiver"]!);
        var store = rendered.Single("ObjectStore", (string)archiver["parameters"]!["barmanObjectName"]!);
        Assert.StartsWith("s3://", (string)store["spec"]!["configuration"]!["destinationPath"]!, StringComparison.Ordinal);

        var backup = rendered.OfKind("ScheduledBackup").Single()["spec"]!;
        Assert.Equal((string?)cluster["metadata"]!["name"], (string?)backup["cluster"]!["name"]);
        Assert.Equal("plugin", (string?)backup["method"]);
        Assert.Equal((string?)archiver["name"], (string?)backup["pluginConfiguration"]!["name"]);
    }

    private static (JsonObject, string) Break(JsonObject resource, Action<JsonObject> change, string field)
    {
        change(resource);
        return (resource, field);
    }

    private static IEnumerable<string> SecretNames(RenderedManifests rendered) =>
        rendered.Resources.SelectMany(r => Descendants(r))
            .SelectMany(node => new[]
            {
                (string?)node["secretKeyRef"]?["name"],
                (string?)node["secret"]?["secretName"],
                (string?)node["passwordSecret"]?["name"],
                (string?)node["importCredentialsSecret"]?["name"],
                node.ContainsKey("accessKeyId") ? (string?)node["accessKeyId"]!["name"] : null,
                (string?)node["secretAccessKey"]?["name"],
            })
            .Concat(rendered.OfKind("Ingress").SelectMany(i => i["spec"]!["tls"]!.AsArray().Select(t => (string?)t!["secretName"])))
            .OfType<string>()
            .Distinct();

    private static IEnumerable<JsonObject> Descendants(JsonNode node) => node switch
    {
        JsonObject o => new[] { o }.Concat(o.Select(e => e.Value).OfType<JsonNode>().SelectMany(Descendants)),
        JsonArray a => a.OfType<JsonNode>().SelectMany(Descendants),
        _ => [],
    };

    /// <summary>The settings the README's Configuration table names, as patterns (<c>&lt;recipient&gt;</c>, <c>__0</c> ...).</summary>
    private static async Task<List<Regex>> DocumentedSettings()
    {
        var readme = await File.ReadAllTextAsync(Path.Combine(Kustomize.Root, "README.md"));
        var table = readme[readme.IndexOf("## Configuration", StringComparison.Ordinal)..readme.IndexOf("### Limits", StringComparison.Ordinal)];
        var settings = new List<Regex>();
        foreach (var row in table.Split('\n').Where(line => line.StartsWith("| `", StringComparison.Ordinal)))
        {
            var names = Backticked().Matches(row.Split(" | ")[0]).Select(m => m.Groups[1].Value).ToList();
            var prefix = names[0][..(names[0].LastIndexOf("__", StringComparison.Ordinal) + 2)];
            foreach (var name in names)
            {
                var full = name.StartsWith("__", StringComparison.Ordinal) ? prefix + name[2..] : name;
                settings.Add(new Regex("^" + Placeholder().Replace(Regex.Escape(full), "[A-Za-z0-9.-]+") + "$"));
            }
        }

        return settings;
    }

    private static double MiB(string quantity) => (double)new k8s.Models.ResourceQuantity(quantity).ToDecimal() / (1024 * 1024);

    [GeneratedRegex(@"\$\(([A-Za-z_][A-Za-z0-9_]*)\)")]
    private static partial Regex DependentVariable();

    [GeneratedRegex("`([^`]+)`")]
    private static partial Regex Backticked();

    [GeneratedRegex(@"<[a-z]+>")]
    private static partial Regex Placeholder();
}
