namespace AccreditationReporting.Exports;

/// <summary>Why a completion was left out of a recipient's batch; stable codes for staff and tools.</summary>
public static class ExclusionReasons
{
    /// <summary>
    /// The learner had their data erased before it was sent (Privacy/LearnerErasure). Counts-only
    /// recipients still count it: no learner appears in their files, and the activity did have that participant.
    /// </summary>
    public const string Erased = "erased";

    /// <summary>A newer completion of the same activity by the same learner replaced it before it was sent.</summary>
    public const string Superseded = "superseded";

    /// <summary>The policy it was collected under does not let learner-level data go to this recipient.</summary>
    public const string PolicyDoesNotAllowRecipient = "policy-does-not-allow-recipient";

    /// <summary>The learner holds no claim (or no award) of the credit this recipient deals with.</summary>
    public const string NoQualifyingClaim = "no-qualifying-claim";

    /// <summary>The policy needs a permission the learner did not give.</summary>
    public const string NoConsent = "no-consent";
    public const string NoAccmeActivityId = "no-accme-activity-id";
    public const string NoEaccmeEventCode = "no-eaccme-event-code";

    /// <summary>The activity names no joint provider: it is directly provided.</summary>
    public const string NotJointlyProvided = "not-jointly-provided";

    /// <summary>The activity is jointly provided with another configured joint provider: that one's learners only go to it.</summary>
    public const string AnotherJointProvider = "another-joint-provider";

    /// <summary>The activity names a joint provider this deployment has not configured (<c>JointProviders:&lt;id&gt;</c>).</summary>
    public const string JointProviderNotConfigured = "joint-provider-not-configured";

    /// <summary>The policy names the joint providers its learners may go to, and this is not one of them (seed 001: "CME Consultants, our joint provider").</summary>
    public const string PolicyNamesAnotherJointProvider = "policy-names-another-joint-provider";
}
