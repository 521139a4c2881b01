using AccreditationReporting.Completions;

namespace AccreditationReporting.Tests.Ingestion;

public sealed class ControlCharactersTests
{
    [Fact]
    public void Every_character_is_a_control_character_exactly_when_char_IsControl_says_so()
    {
        for (var c = char.MinValue; ; c++)
        {
            Assert.True(char.IsControl(c) == ControlCharacters.In($"a{c}b"), $"U+{(int)c:X4}");
            if (c == char.MaxValue)
            {
                break;
            }
        }
    }

    [Fact]
    public void Text_without_one_has_none()
    {
        Assert.False(ControlCharacters.In(""));
        Assert.False(ControlCharacters.In("Jane Doe-Ñúñez, MD"));
    }
}
