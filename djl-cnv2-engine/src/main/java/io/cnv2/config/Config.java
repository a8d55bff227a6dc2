package io.cnv2.config;

/** A configuration file: the machine and the run, each optional (defaults fill the rest). */
public record Config(MachineConfig machine, RunConfig run) {
    public static final Config DEFAULT = new Config(MachineConfig.DEFAULT, RunConfig.DEFAULT);
}
