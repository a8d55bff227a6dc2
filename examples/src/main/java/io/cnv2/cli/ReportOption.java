package io.cnv2.cli;

import io.cnv2.AtomicFiles;
import io.cnv2.report.HtmlReport;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.function.Supplier;
import picocli.CommandLine.Option;

/** {@code --report FILE}, shared by run, accuracy, sweep and compare: a self-contained HTML page. */
final class ReportOption {
    @Option(names = "--report", paramLabel = "FILE",
            description = "Write a self-contained HTML report (charts, tables, the configuration; opens offline).")
    Path report;

    /** Fails before any work when the file cannot be written. */
    void check() {
        if (report != null) {
            AtomicFiles.checkWritable(report, "--report");
        }
    }

    /** Writes the page when asked for (atomically) and says so. */
    void write(Supplier<HtmlReport> page, PrintWriter out) {
        if (report != null) {
            page.get().write(report);
            out.println("wrote " + report);
        }
    }
}
