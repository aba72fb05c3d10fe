using BenchmarkDotNet.Attributes;
using KeyAdmin.Benchmarks.Support;
using KeyAdmin.Core.Audit;
using KeyAdmin.Core.Accounts;
using KeyAdmin.Core.TwoFactor;
using OtpNet;

namespace KeyAdmin.Benchmarks;

/// <summary>
/// An authenticator code checked through <see cref="TwoFactorGate"/> (lockout, the account's active
/// authenticators, the seed opened with AES-GCM, RFC 6238 ±1 step, and the once-only rule as a conditional
/// UPDATE committed durably) against a bare Otp.NET <c>VerifyTotp</c> of the same kind of code.
/// </summary>
/// <remarks>
/// Each code is accepted once, and only from a later step than the last accepted one: every gate invocation
/// therefore moves the fixed clock to the next 30-second step and presents that step's code. The codes are
/// computed ahead, in blocks, by <see cref="CodeTape"/>, so that computing them is (almost) not measured.
/// "Durable step advance" is the gate's own floor: the same durable transaction with only the conditional UPDATE.
/// </remarks>
[MemoryDiagnoser]
public class TotpBenchmarks
{
    private BenchWorld world = null!;
    private Account account = null!;
    private string authenticatorId = null!;
    private TwoFactorGate gate = null!;
    private CodeTape tape = null!;
    private OtpNet.Totp bare = null!;
    private VerificationWindow window = null!;
    private byte[] seed = null!;
    private string bareCode = null!;
    private DateTime bareAt;
    private long step;

    [GlobalSetup]
    public void Setup()
    {
        world = BenchWorld.Create();
        var handle = world.NewAccount("desk");
        seed = handle.Seed;
        account = world.Store.Read(r => r.FindAccount("desk"))!;
        authenticatorId = world.Store.Read(r => r.ListAuthenticators(account.AccountId)).Single().AuthenticatorId;
        gate = new TwoFactorGate(world.Clock, new Actor("bench", "bench-host"), world.Store.Secrets);
        step = Core.TwoFactor.Totp.StepAt(world.Clock.GetUtcNow()) + 1;
        tape = new CodeTape(handle, step + 1);

        bare = new OtpNet.Totp(seed, Core.TwoFactor.Totp.PeriodSeconds, OtpHashMode.Sha1, Core.TwoFactor.Totp.Digits);
        window = new VerificationWindow(previous: 1, future: 1);
        bareAt = world.Clock.GetUtcNow().UtcDateTime;
        bareCode = bare.ComputeTotp(bareAt);
    }

    [Benchmark(Baseline = true, Description = "Otp.NET VerifyTotp (bare)")]
    public bool BareVerifyTotp() => bare.VerifyTotp(bareAt, bareCode, out _, window);

    [Benchmark(Description = "Totp.MatchStep (core's Otp.NET call, no store)")]
    public long? MatchStep() => Core.TwoFactor.Totp.MatchStep(seed, bareCode, world.Clock.GetUtcNow());

    [Benchmark(Description = "TwoFactorGate.Check, durable (new step each time)")]
    public bool GateCheck()
    {
        var code = NextStep();
        // As every confirmed change does: the gate's check and the change's audit record commit together.
        var result = world.Store.Write(tx =>
        {
            var checkResult = gate.Check(tx, account, null, code, TwoFactorRequirement.Person("Benchmark.Totp"), null);
            tx.Append(Record("Benchmark.Totp"));
            return checkResult;
        });
        return result.Confirmation is not null ? true : throw new InvalidOperationException("The gate refused a fresh code: " + result.Refusal?.Error);
    }

    [Benchmark(Description = "durable step advance only (the gate's fsync floor)")]
    public bool DurableStepAdvance()
    {
        NextStep();
        var at = world.Clock.GetUtcNow();
        // A sealed row changes only with an audit record in the same transaction: the floor of any confirmed change.
        return world.Store.Write(tx =>
        {
            var advanced = tx.TryAdvanceStep(authenticatorId, step, at);
            tx.Append(Record("Benchmark.Step"));
            return advanced;
        }) ? true : throw new InvalidOperationException("The step did not advance.");
    }

    [GlobalCleanup]
    public void Cleanup() => world.Dispose();

    private AuditEntry Record(string action) => new()
    {
        At = world.Clock.GetUtcNow(),
        Actor = "bench",
        ActorHost = "bench-host",
        Action = action,
        AccountName = account.Name,
        Outcome = AuditOutcome.Succeeded,
    };

    /// <summary>Moves the clock ten seconds into the next step and returns that step's code.</summary>
    private string NextStep()
    {
        step++;
        world.Clock.SetUtcNow(DateTimeOffset.FromUnixTimeSeconds(step * Core.TwoFactor.Totp.PeriodSeconds + 10));
        return tape.CodeAt(step);
    }

    /// <summary>Codes of consecutive steps, computed a block at a time ahead of use.</summary>
    private sealed class CodeTape
    {
        private const int Block = 4096;
        private readonly BenchAccount account;
        private readonly string[] codes = new string[Block];
        private long first;

        public CodeTape(BenchAccount account, long firstStep)
        {
            this.account = account;
            Fill(firstStep);
        }

        public string CodeAt(long step)
        {
            if (step < first || step >= first + Block)
            {
                Fill(step);
            }

            return codes[step - first];
        }

        private void Fill(long from)
        {
            first = from;
            for (var i = 0; i < Block; i++)
            {
                codes[i] = account.CodeAt(from + i);
            }
        }
    }
}
