package io.cnv2.cli;

import io.cnv2.BadInputException;
import io.cnv2.ir.IrException;
import java.io.PrintWriter;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code cnv2} command line. User errors (bad files, options, shapes) print one line and
 * exit with 2; nothing else is written.
 */
@Command(name = "cnv2", mixinStandardHelpOptions = true, version = "cnv2 0.1.0",
        description = "Emulate the Cnvlutin2 sparse DNN accelerator on real networks.")
public final class Main implements Runnable {
    public static final int USER_ERROR = 2;

    static {
        // DJL must never reach the network (DEPENDENCIES.md): set before anything touches its Engine.
        System.setProperty("ai.djl.offline", "true");
        System.setProperty("OPT_OUT_TRACKING", "true");
        System.setProperty("ai.djl.pytorch.graph_optimizer", "false");
    }

    @Override
    public void run() {
        CommandLine.usage(this, System.out);
    }

    /** The subcommands by name (each class's {@code @Command} name), in the order help lists them. */
    static final Map<String, Supplier<Object>> SUBCOMMANDS = subcommands();

    private static Map<String, Supplier<Object>> subcommands() {
        Map<String, Supplier<Object>> m = new LinkedHashMap<>();
        m.put("run", RunCommand::new);
        m.put("check", CheckCommand::new);
        m.put("accuracy", AccuracyCommand::new);
        m.put("sweep", SweepCommand::new);
        m.put("compare", CompareCommand::new);
        m.put("trace", TraceCommand::new);
        m.put("characterize", CharacterizeCommand::new);
        m.put("quantize", QuantizeCommand::new);
        return Collections.unmodifiableMap(m);
    }

    public static void main(String[] args) {
        System.exit(execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the CLI with the given streams; returns the exit code (for tests). */
    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(new Main());
        // only the subcommand asked for: picocli builds a command's model by reflection, in code
        // not yet compiled, and the eight of them took 0.15 s of every start (issue 23); help, an
        // unknown name or none at all get every subcommand, so listings and suggestions are whole
        if (args.length > 0 && SUBCOMMANDS.containsKey(args[0])) {
            cl.addSubcommand(args[0], SUBCOMMANDS.get(args[0]).get());
        } else {
            SUBCOMMANDS.forEach((name, command) -> cl.addSubcommand(name, command.get()));
        }
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionExceptionHandler((ex, line, parse) -> {
            if (ex instanceof BadInputException || ex instanceof IrException) {
                err.println("cnv2: error: " + ex.getMessage());
                return USER_ERROR;
            }
            throw ex;
        });
        cl.setParameterExceptionHandler((ex, a) -> {
            err.println("cnv2: error: " + ex.getMessage());
            err.println("Try 'cnv2 " + (ex.getCommandLine().getCommandName().equals("cnv2") ? ""
                    : ex.getCommandLine().getCommandName() + " ") + "--help' for the options.");
            return USER_ERROR;
        });
        return cl.execute(args);
    }
}
