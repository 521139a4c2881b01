using AccreditationReporting.Completions;

namespace AccreditationReporting.Ingestion;

/// <summary>An event that passed the checks, as the records it will be stored as.</summary>
public sealed record AcceptedCompletion(Learner Learner, Activity Activity, Completion Completion);
