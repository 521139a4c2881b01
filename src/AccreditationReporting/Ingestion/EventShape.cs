using System.Reflection;
using AccreditationReporting.Contracts;

namespace AccreditationReporting.Ingestion;

/// <summary>
/// Which properties of a JSON object the service reads, by name regardless of case, and the shape of
/// each one's value; a property it does not know is dropped from what is kept.
/// </summary>
internal sealed class EventShape
{
    private readonly IReadOnlyDictionary<string, EventShape> _properties;
    private readonly EventShape? _otherwise;

    private EventShape(IReadOnlyDictionary<string, EventShape> properties, EventShape? otherwise)
    {
        _properties = properties;
        _otherwise = otherwise;
    }

    /// <summary>Any value, kept whole.</summary>
    public static readonly EventShape Anything = new(new Dictionary<string, EventShape>(), otherwise: null) { KeepsAll = true };

    /// <summary>
    /// CourseCompleted as its contract reads it, without the learner's email: it is checked and
    /// dropped, since no recipient may have it. Birth year stays: a replay runs the age check again.
    /// </summary>
    public static readonly EventShape CourseCompleted = Of(typeof(CourseCompleted));

    /// <summary>MassTransit's envelope: its own properties kept as they are, the event in <c>message</c>.</summary>
    public static readonly EventShape Envelope = new(
        new Dictionary<string, EventShape>(StringComparer.OrdinalIgnoreCase) { ["message"] = CourseCompleted }, otherwise: Anything);

    public bool KeepsAll { get; private init; }

    /// <summary>The shape of a property's value; null when the property is not read and so not kept.</summary>
    public EventShape? Of(string property) =>
        KeepsAll ? Anything : _properties.GetValueOrDefault(property) ?? _otherwise;

    private static EventShape Of(Type type)
    {
        var properties = new Dictionary<string, EventShape>(StringComparer.OrdinalIgnoreCase);
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (type == typeof(LearnerDetails) && property.Name == nameof(LearnerDetails.Email))
            {
                continue;
            }

            var valueType = property.PropertyType.IsGenericType && property.PropertyType.GetGenericTypeDefinition() == typeof(IReadOnlyList<>)
                ? property.PropertyType.GetGenericArguments()[0]
                : property.PropertyType;
            properties[property.Name] = valueType.Namespace == typeof(CourseCompleted).Namespace && valueType.IsClass && valueType != typeof(string)
                ? Of(valueType)
                : Anything;
        }

        return new EventShape(properties, otherwise: null);
    }
}
