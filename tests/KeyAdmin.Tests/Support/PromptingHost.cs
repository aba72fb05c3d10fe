using System.Collections.ObjectModel;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Security;
using System.Text;

namespace KeyAdmin.Tests.Support;

/// <summary>
/// A host with somebody at the keyboard: it answers secure prompts with the codes a test queued and
/// confirmation questions with the choices a test queued, and keeps everything written to it so that a test
/// can read what the person saw.
/// </summary>
public sealed class PromptingHost : PSHost
{
    private readonly RecordingUserInterface ui = new();

    public override string Name => "KeyAdmin.Tests.PromptingHost";

    public override Version Version { get; } = new(1, 0);

    public override Guid InstanceId { get; } = Guid.NewGuid();

    public override PSHostUserInterface UI => ui;

    public override CultureInfo CurrentCulture => CultureInfo.InvariantCulture;

    public override CultureInfo CurrentUICulture => CultureInfo.InvariantCulture;

    /// <summary>What the host wrote just before each secure read: the prompts the person answered.</summary>
    public IReadOnlyList<string> SecurePrompts => ui.SecurePrompts;

    /// <summary>The captions and messages of the choices the host was asked to make (-Confirm questions).</summary>
    public IReadOnlyList<string> ChoicePrompts => ui.ChoicePrompts;

    /// <summary>Everything written to the host, in order.</summary>
    public string Transcript => ui.Transcript;

    /// <summary>The answer to the next secure prompt.</summary>
    public void QueueSecureAnswer(string answer) => ui.SecureAnswers.Enqueue(answer);

    /// <summary>The label (without '&amp;') of the choice to take at the next choice prompt, such as "No".</summary>
    public void QueueChoice(string label) => ui.ChoiceAnswers.Enqueue(label);

    public override void EnterNestedPrompt() => throw new NotSupportedException();

    public override void ExitNestedPrompt() => throw new NotSupportedException();

    public override void NotifyBeginApplication()
    {
    }

    public override void NotifyEndApplication()
    {
    }

    public override void SetShouldExit(int exitCode)
    {
    }

    private sealed class RecordingUserInterface : PSHostUserInterface
    {
        private readonly StringBuilder transcript = new();
        private readonly StringBuilder sincePrompt = new();
        private readonly RawUserInterface raw = new();

        public Queue<string> SecureAnswers { get; } = new();

        public Queue<string> ChoiceAnswers { get; } = new();

        public List<string> SecurePrompts { get; } = new();

        public List<string> ChoicePrompts { get; } = new();

        public string Transcript
        {
            get
            {
                lock (transcript)
                {
                    return transcript.ToString();
                }
            }
        }

        public override PSHostRawUserInterface RawUI => raw;

        public override string ReadLine() => throw new InvalidOperationException("The test did not expect a plain ReadLine.");

        public override SecureString ReadLineAsSecureString()
        {
            string prompt;
            lock (transcript)
            {
                prompt = sincePrompt.ToString();
                sincePrompt.Clear();
            }

            SecurePrompts.Add(prompt);
            if (!SecureAnswers.TryDequeue(out var answer))
            {
                throw new InvalidOperationException("The host was asked for a secure answer that the test did not queue.");
            }

            var secure = new SecureString();
            foreach (var c in answer)
            {
                secure.AppendChar(c);
            }

            secure.MakeReadOnly();
            return secure;
        }

        public override void Write(string value) => Record(value);

        public override void Write(ConsoleColor foregroundColor, ConsoleColor backgroundColor, string value) => Record(value);

        public override void WriteLine(string value) => Record(value + "\n");

        public override void WriteErrorLine(string value) => Record(value + "\n");

        public override void WriteDebugLine(string message) => Record(message + "\n");

        public override void WriteProgress(long sourceId, ProgressRecord record)
        {
        }

        public override void WriteVerboseLine(string message) => Record(message + "\n");

        public override void WriteWarningLine(string message) => Record(message + "\n");

        public override Dictionary<string, PSObject> Prompt(string caption, string message, Collection<FieldDescription> descriptions) =>
            throw new InvalidOperationException("The test did not expect a field prompt: " + caption);

        public override int PromptForChoice(string caption, string message, Collection<ChoiceDescription> choices, int defaultChoice)
        {
            ChoicePrompts.Add(caption + "\n" + message);
            Record(caption + "\n" + message + "\n");
            if (!ChoiceAnswers.TryDequeue(out var label))
            {
                throw new InvalidOperationException("The host was asked a question that the test did not expect: " + caption);
            }

            for (var i = 0; i < choices.Count; i++)
            {
                if (string.Equals(choices[i].Label.Replace("&", string.Empty, StringComparison.Ordinal), label, StringComparison.OrdinalIgnoreCase))
                {
                    return i;
                }
            }

            throw new InvalidOperationException("No choice labelled " + label);
        }

        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName) =>
            throw new InvalidOperationException("The test did not expect a credential prompt.");

        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName, PSCredentialTypes allowedCredentialTypes, PSCredentialUIOptions options) =>
            throw new InvalidOperationException("The test did not expect a credential prompt.");

        private void Record(string value)
        {
            lock (transcript)
            {
                transcript.Append(value);
                sincePrompt.Append(value);
            }
        }
    }

    /// <summary>A fixed 160-column window, enough for the formatter to lay out tables.</summary>
    private sealed class RawUserInterface : PSHostRawUserInterface
    {
        public override ConsoleColor BackgroundColor { get; set; } = ConsoleColor.Black;

        public override Size BufferSize { get; set; } = new(160, 1000);

        public override Coordinates CursorPosition { get; set; }

        public override int CursorSize { get; set; } = 1;

        public override ConsoleColor ForegroundColor { get; set; } = ConsoleColor.White;

        public override bool KeyAvailable => false;

        public override Size MaxPhysicalWindowSize => new(160, 50);

        public override Size MaxWindowSize => new(160, 50);

        public override Coordinates WindowPosition { get; set; }

        public override Size WindowSize { get; set; } = new(160, 50);

        public override string WindowTitle { get; set; } = "KeyAdmin tests";

        public override void FlushInputBuffer()
        {
        }

        public override BufferCell[,] GetBufferContents(Rectangle rectangle) => throw new NotSupportedException();

        public override KeyInfo ReadKey(ReadKeyOptions options) => throw new NotSupportedException();

        public override void ScrollBufferContents(Rectangle source, Coordinates destination, Rectangle clip, BufferCell fill) => throw new NotSupportedException();

        public override void SetBufferContents(Coordinates origin, BufferCell[,] contents) => throw new NotSupportedException();

        public override void SetBufferContents(Rectangle rectangle, BufferCell fill) => throw new NotSupportedException();
    }
}
