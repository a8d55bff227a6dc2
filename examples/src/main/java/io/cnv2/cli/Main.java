package io.cnv2.cli;

import io.cnv2.BadInputException;
import io.cnv2.ir.IrException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code cnv2} command line. User errors (bad files, options, shapes) print one line and
 * exit with 2; nothing else is written.
 */
@Command(name = "cnv2", mixinStandardHelpOptions = true, version = "cnv2 0.1.0",
        description = "Emulate the Cnvlutin2 sparse DNN accelerator on real networks.",
        subcommands = {RunCommand.class, CheckCommand.class, AccuracyCommand.class, SweepCommand.class, CompareCommand.class, TraceCommand.class,
            CharacterizeCommand.class, QuantizeCommand.class})
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

    public static void main(String[] args) {
        System.exit(execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the CLI with the given streams; returns the exit code (for tests). */
    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(new Main());
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
