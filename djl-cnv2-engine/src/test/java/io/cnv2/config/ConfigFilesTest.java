package io.cnv2.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cnv2.BadInputException;
import io.cnv2.fixed.Calibration;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Configuration files: partial files keep defaults, errors name the file and the key. */
class ConfigFilesTest {
    @TempDir
    Path dir;

    Path write(String name, String text) throws Exception {
        Path p = dir.resolve(name);
        Files.writeString(p, text);
        return p;
    }

    @Test
    void partialFileKeepsTheDefaultsOfEverythingElse() throws Exception {
        Config c = ConfigFiles.load(write("c.json", "{\"machine\": {\"tiles\": 8}, \"run\": {\"threads\": 1}}"));
        assertEquals(8, c.machine().tiles());
        assertEquals(16, c.machine().filterLanes());
        assertEquals(48, c.machine().accumulatorBits());
        assertEquals(1, c.run().threads());
        assertEquals("dadn", c.run().arch());
    }

    @Test
    void timingProfileAndItsRulesAreKeysOfTheRunSection() throws Exception {
        assertEquals("isca2016", RunConfig.DEFAULT.timing(), "the machine the Cnvlutin paper measured by default");
        Config c = ConfigFiles.load(write("t.json", "{\"run\": {\"timing\": \"ideal\", \"isca2016\": {\"nmPorts\": 4}}}"));
        assertEquals("ideal", c.run().timing());
        assertEquals(4, c.run().isca2016().nmPorts());
        assertEquals(16, c.run().isca2016().chunkValues(), "a rule given in part keeps the others");
        assertEquals("packed-256", c.run().isca2016().dadnLayout());
        BadInputException e = assertThrows(BadInputException.class,
                () -> ConfigFiles.load(write("u.json", "{\"run\": {\"isca2016\": {\"ports\": 4}}}")));
        assertTrue(e.getMessage().contains("isca2016.ports") && e.getMessage().contains("nmPorts"), e.getMessage());
        e = assertThrows(BadInputException.class,
                () -> ConfigFiles.load(write("v.json", "{\"run\": {\"timing\": \"fast\"}}")));
        assertTrue(e.getMessage().contains("timing") && e.getMessage().contains("isca2016"), e.getMessage());
        e = assertThrows(BadInputException.class,
                () -> ConfigFiles.load(write("w.json", "{\"run\": {\"isca2016\": {\"chunkValues\": 0}}}")));
        assertTrue(e.getMessage().contains("chunkValues"), e.getMessage());
    }

    @Test
    void presetDnnsimSetsEveryRuleWhereDnnsimCountsDifferentlyAndKeysBesideItWin() throws Exception {
        RunConfig d = ConfigFiles.load(write("p.json", "{\"run\": {\"preset\": \"dnnsim\"}}")).run();
        assertEquals(java.util.List.of("dnnsim", "dnnsim", "value", "kx-ky", "ideal"),
                java.util.List.of(d.preset(), d.booth(), d.dynamicPrecision(), d.kernelOrder(), d.timing()));
        RunConfig mixed = ConfigFiles.load(write("q.json", "{\"run\": {\"preset\": \"dnnsim\", \"booth\": \"naf\"}}"))
                .run();
        assertEquals("naf", mixed.booth());
        assertEquals("value", mixed.dynamicPrecision());
        assertThrows(BadInputException.class, () -> ConfigFiles.load(write("r.json", "{\"run\": {\"preset\": \"x\"}}")));
        RunConfig back = new Overrides(null, null, null, null, null, null, null, null, null, null, null, "isca2016",
                "dnnsim").apply(RunConfig.DEFAULT);
        assertEquals("isca2016", back.timing(), "--timing beside --preset wins");
        assertEquals("dnnsim", back.booth());
    }

    @Test
    void savedConfigLoadsBackEqual() throws Exception {
        Config c = new Config(MachineConfig.DEFAULT, RunConfig.DEFAULT.withThreads(3),
                new EnergyTable(1, 0.1, 2, 3, 4, "test"));
        assertEquals(c, ConfigFiles.load(write("c.json", ConfigFiles.toJson(c))));
    }

    @Test
    void energySectionOverlaysTheDefaultTable() throws Exception {
        Config c = ConfigFiles.load(write("e.json", "{\"energy\": {\"multiply16\": 1.5}}"));
        assertEquals(1.5, c.energy().multiply16());
        assertEquals(EnergyTable.DEFAULT.nmBitRead(), c.energy().nmBitRead());
        BadInputException e = assertThrows(BadInputException.class,
                () -> ConfigFiles.load(write("f.json", "{\"energy\": {\"multiply\": 1}}")));
        assertTrue(e.getMessage().contains("energy") && e.getMessage().contains("'multiply'"), e.getMessage());
    }

    @Test
    void unknownKeyIsNamed() throws Exception {
        Path p = write("bad.json", "{\"machine\": {\"tilez\": 8}}");
        BadInputException e = assertThrows(BadInputException.class, () -> ConfigFiles.load(p));
        assertTrue(e.getMessage().contains("tilez") && e.getMessage().contains("bad.json"), e.getMessage());
    }

    @Test
    void invalidValueIsNamed() throws Exception {
        Path p = write("bad.json", "{\"run\": {\"arch\": \"tpu\"}}");
        BadInputException e = assertThrows(BadInputException.class, () -> ConfigFiles.load(p));
        assertTrue(e.getMessage().contains("tpu") && e.getMessage().contains("arch"), e.getMessage());
    }

    @Test
    void malformedJsonNamesTheFileAndLine() throws Exception {
        Path p = write("broken.json", "{\n \"machine\": {\n");
        BadInputException e = assertThrows(BadInputException.class, () -> ConfigFiles.load(p));
        assertTrue(e.getMessage().contains("broken.json") && e.getMessage().contains("line"), e.getMessage());
    }

    @Test
    void calibrationRoundTrips() throws Exception {
        Calibration c = new Calibration("test", Map.of("a", 7, "b", -2));
        Calibration back = ConfigFiles.loadCalibration(write("cal.json", Json.write(c)));
        assertEquals(c.fractions(), back.fractions());
    }
}
