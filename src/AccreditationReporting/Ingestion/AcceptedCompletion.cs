using AccreditationReporting.Completions;

namespace AccreditationReporting.Ingestion;

/// <summary>An event that passed the checks, as the records it will be stored as.</summary>
/// <param name="Profile">What the event says about the learner, kept under the event's policy version.</param>
public sealed record AcceptedCompletion(Learner Learner, LearnerProfile Profile, Activity Activity, Completion Completion);
