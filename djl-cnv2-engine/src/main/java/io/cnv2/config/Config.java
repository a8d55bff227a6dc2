package io.cnv2.config;

/** A configuration file: the machine, the run and the energy table, each optional (defaults fill the rest). */
public record Config(MachineConfig machine, RunConfig run, EnergyTable energy) {
    public static final Config DEFAULT = new Config(MachineConfig.DEFAULT, RunConfig.DEFAULT, EnergyTable.DEFAULT);
}
