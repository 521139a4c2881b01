using AccreditationReporting.Privacy;

namespace AccreditationReporting.Exports;

/// <summary>
/// What decides, per record, which of a learner-level row's conditional fields may be written: the
/// policy the data was collected under and the permissions the learner gave. Never written itself.
/// </summary>
public abstract class LearnerRecord
{
    public string PolicyVersion { get; set; } = string.Empty;
    public bool BoardReporting { get; set; }
    public bool StateBoardReporting { get; set; }

    public bool HoldsAny(IReadOnlyList<string> consents)
    {
        foreach (var consent in consents)
        {
            if (Consents.Holds(consent, BoardReporting, StateBoardReporting))
            {
                return true;
            }
        }

        return false;
    }
}
