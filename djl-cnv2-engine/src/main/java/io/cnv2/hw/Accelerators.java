package io.cnv2.hw;

import io.cnv2.hw.design.Cnvlutin2Fast;
import io.cnv2.hw.design.Cnvlutin2Reference;
import io.cnv2.hw.design.CnvlutinFast;
import io.cnv2.hw.design.CnvlutinReference;
import io.cnv2.hw.design.DaDianNaoFast;
import io.cnv2.hw.design.DaDianNaoReference;

import io.cnv2.config.MachineConfig;
import io.cnv2.config.RunConfig;

/** The accelerator model a run asks for (run option {@code arch}, {@code implementation}). */
public final class Accelerators {
    private Accelerators() {
    }

    public static Accelerator create(RunConfig run, MachineConfig machine) {
        boolean reference = run.implementation().equals("reference");
        if (run.usesIsca2016() && run.isca2016().chunkValues() > machine.nbinEntries()) {
            // a lane holds one chunk in its NBin (CNV2-MODEL.md section 4a rule 2)
            throw new io.cnv2.BadInputException("run option isca2016.chunkValues " + run.isca2016().chunkValues()
                    + " does not fit the NBin: machine option nbinEntries is " + machine.nbinEntries());
        }
        return switch (run.arch()) {
            case "dadn" -> reference ? new DaDianNaoReference(machine, run) : new DaDianNaoFast(machine, run);
            case "cnv" -> reference ? new CnvlutinReference(machine, run) : new CnvlutinFast(machine, run);
            case "cnv2" -> reference ? new Cnvlutin2Reference(machine, run) : new Cnvlutin2Fast(machine, run);
            default -> throw new IllegalArgumentException("no accelerator model named " + run.arch());
        };
    }
}
