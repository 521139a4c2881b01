using AccreditationReporting.Api.V1;
using AccreditationReporting.Audit;
using AuditActor = AccreditationReporting.Audit.AuditActor;

namespace AccreditationReporting.Privacy;

/// <summary>The corrected values a rectification asks for; null leaves a value as it is.</summary>
public sealed record Rectification(
    string? PolicyVersion, string? FirstName, string? LastName, int? BirthMonth, int? BirthDay,
    string? LicenseState, string? LicenseId, string? Npi, IReadOnlyDictionary<string, string> BoardIds);

public sealed record RectificationOutcome(DateTimeOffset RectifiedAt, int ProfilesCorrected, IReadOnlyList<string> FieldsCorrected);

internal static class Rectifications
{
    public static Rectification From(RectifyLearnerRequest request) => throw new NotImplementedException();
}

/// <summary>The learner's right to rectification (GDPR Art. 16). TODO(issue 13, point 5): being built.</summary>
public sealed class LearnerRectification
{
    public Task<RectificationOutcome?> RectifyAsync(
        string learnerId, string requestReference, Rectification correction, AuditActor actor, CancellationToken cancellationToken) =>
        throw new NotImplementedException();
}
