using AccreditationReporting.Access;
using Google.Protobuf.Reflection;
using Grpc.Core;
using Grpc.Net.Client;

namespace AccreditationReporting.Tests.Access;

/// <summary>
/// Every method of every service in the service's protos, read from the generated descriptors (a
/// new method or service is here without anyone listing it), and a way to call any of them with an
/// empty request, as bytes, over a real channel.
/// </summary>
internal static class ApiMethods
{
    /// <summary>The README's role table: who may call what. A method missing here fails the tests that walk the API.</summary>
    public static readonly IReadOnlyDictionary<string, string[]> MayCall = new Dictionary<string, string[]>
    {
        ["accreditation.v1.CompletionService/GetLearnerRecord"] = [StaffRoles.Compliance],
        ["accreditation.v1.IngestionService/ListRejectedEvents"] = [StaffRoles.Compliance],
        ["accreditation.v1.IngestionService/ReplayRejectedEvents"] = [StaffRoles.Compliance],
        ["accreditation.v1.ExportService/CreateBatch"] = [StaffRoles.ExportJob, StaffRoles.Compliance],
        ["accreditation.v1.ExportService/ListBatches"] = [StaffRoles.ExportJob, StaffRoles.Compliance, StaffRoles.Auditor],
        ["accreditation.v1.ExportService/GetBatch"] = [StaffRoles.ExportJob, StaffRoles.Compliance, StaffRoles.Auditor],
        ["accreditation.v1.ExportService/DownloadBatch"] = [StaffRoles.Compliance],
        ["accreditation.v1.ExportService/RecordSubmission"] = [StaffRoles.Compliance],
        ["accreditation.v1.ExportService/RetryDelivery"] = [StaffRoles.Compliance],
        ["accreditation.v1.LearnerRightsService/EraseLearner"] = [StaffRoles.PrivacyOfficer],
        ["accreditation.v1.PrivacyService/GetAccessCopy"] = [StaffRoles.PrivacyOfficer],
        ["accreditation.v1.PrivacyService/RectifyLearner"] = [StaffRoles.PrivacyOfficer],
        ["accreditation.v1.PrivacyService/EraseLearner"] = [StaffRoles.PrivacyOfficer],
        ["accreditation.v1.ParticipationService/VerifyParticipation"] = [StaffRoles.Auditor],
        ["accreditation.v1.AuditService/ListAuditEvents"] = [StaffRoles.Auditor],
        ["accreditation.v1.AuditService/VerifyAuditTrail"] = [StaffRoles.Auditor],
    };

    /// <summary>Every service of every proto compiled into the service, whatever its package or namespace.</summary>
    public static IReadOnlyList<MethodDescriptor> All { get; } = typeof(Program).Assembly.GetTypes()
        .Select(t => t.GetProperty("Descriptor", System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static))
        .Where(p => p?.PropertyType == typeof(FileDescriptor))
        .Select(p => (FileDescriptor)p!.GetValue(null)!)
        .SelectMany(file => file.Services)
        .SelectMany(service => service.Methods)
        .OrderBy(m => m.FullName, StringComparer.Ordinal)
        .ToList();

    public static string Name(MethodDescriptor method) => $"{method.Service.FullName}/{method.Name}";

    private static readonly Marshaller<byte[]> Bytes = Marshallers.Create(b => b, b => b);

    /// <summary>Calls <paramref name="method"/> with an empty request (every field at its default) and says how it ended.</summary>
    public static async Task<StatusCode> CallAsync(GrpcChannel channel, MethodDescriptor method, Metadata? headers = null)
    {
        var invoker = channel.CreateCallInvoker();
        var options = new CallOptions(headers, DateTime.UtcNow.AddSeconds(30));
        try
        {
            if (method.IsServerStreaming)
            {
                var streaming = new Method<byte[], byte[]>(MethodType.ServerStreaming, method.Service.FullName, method.Name, Bytes, Bytes);
                using var call = invoker.AsyncServerStreamingCall(streaming, null, options, []);
                while (await call.ResponseStream.MoveNext(CancellationToken.None))
                {
                }
            }
            else
            {
                var unary = new Method<byte[], byte[]>(MethodType.Unary, method.Service.FullName, method.Name, Bytes, Bytes);
                await invoker.AsyncUnaryCall(unary, null, options, []);
            }

            return StatusCode.OK;
        }
        catch (RpcException e)
        {
            return e.StatusCode;
        }
    }
}
