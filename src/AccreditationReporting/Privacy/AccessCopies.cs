namespace AccreditationReporting.Privacy;

/// <summary>An access copy as built: the JSON document, its hash, and the learner it is about.</summary>
/// <param name="LearnerKey">Null when only rejected events name the learner.</param>
public sealed record AccessCopyDocument(byte[] Document, string Sha256, DateTimeOffset GeneratedAt, long? LearnerKey);

/// <summary>The learner's right of access (GDPR Art. 15). TODO(issue 13, point 4): being built.</summary>
public sealed class AccessCopies
{
    /// <summary>Null when nothing is stored about the learner.</summary>
    public Task<AccessCopyDocument?> BuildAsync(string learnerId, CancellationToken cancellationToken) =>
        throw new NotImplementedException();
}
