package io.cnv2.hw.timing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cnv2.config.Isca2016Profile;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link Isca2016Window}'s closed form for windows with no more reading lanes than memory ports
 * (CNV2-MODEL.md section 4a, rule 4 without waits) against its event-by-event queue (rule 5), on
 * random windows with random profiles; the queue itself is held against the cycle-by-cycle
 * reference by Isca2016RulesTest.
 */
class Isca2016WindowTest {
    @Test
    void withAtMostPortsReadingLanesTheClosedFormEqualsTheQueue() {
        Random r = new Random(4);
        int shortcuts = 0;
        int waited = 0;
        for (int i = 0; i < 5000; i++) {
            Isca2016Profile p = randomProfile(r, 4, 40, 4, 3, 3);
            int lanes = 1 + r.nextInt(20);
            int real = 1 + r.nextInt(lanes);
            int chunks = 1 + r.nextInt(6);
            int passes = 1 + r.nextInt(3);
            long[] work = new long[lanes * chunks];
            long[] masks = new long[lanes * chunks];
            double reading = r.nextDouble();
            double full = r.nextDouble();
            for (int l = 0; l < real; l++) {
                if (r.nextDouble() < reading) {
                    for (int j = 0; j < chunks; j++) {
                        if (r.nextDouble() < full) {
                            masks[l * chunks + j] = 1 + r.nextInt(1 << 16);
                            // work may be 0 on a non-empty chunk (filter-lanes, every weight zero)
                            work[l * chunks + j] = r.nextInt(4) == 0 ? 0 : (long) r.nextInt(17) * passes;
                        }
                    }
                }
            }
            Isca2016Window w = new Isca2016Window(p, lanes);
            long queued = w.cycles(work, masks, chunks, passes, real, false);
            long fast = w.cycles(work, masks, chunks, passes, real, true);
            assertEquals(queued, fast, "case " + i + " " + p);
            int n = 0;
            for (int l = 0; l < real; l++) {
                boolean any = false;
                for (int j = 0; j < chunks; j++) {
                    any |= masks[l * chunks + j] != 0;
                }
                n += any ? 1 : 0;
            }
            shortcuts += n > 1 && n <= p.nmPorts() ? 1 : 0;
            waited += n > p.nmPorts() ? 1 : 0;
        }
        assertTrue(shortcuts > 500 && waited > 500, "both paths met with several lanes: " + shortcuts + ", " + waited);
    }

    /**
     * The bucket queue (slots of 64 cycles, the pending count instead of the request queue) against
     * the heap over {@link NmQueue} on busy windows: up to 64 lanes, mostly non-empty chunks, random
     * profiles; work up to 64 per chunk so some windows put a lane 64 or more cycles ahead and fall
     * back to the heap. A wrong lane order, wait or slot would change some window's cycles.
     */
    @Test
    void theBucketQueueEqualsTheHeap() {
        Random r = new Random(23);
        int bucketed = 0;
        long overflows = 0;
        for (int i = 0; i < 5000; i++) {
            Isca2016Profile p = randomProfile(r, 1, 64, 6, 4, 4);
            int lanes = 1 + r.nextInt(64);
            int real = 1 + r.nextInt(lanes);
            int chunks = 1 + r.nextInt(12);
            int passes = 1 + r.nextInt(4);
            int most = r.nextBoolean() ? 17 : 65;
            long[] work = new long[lanes * chunks];
            long[] masks = new long[lanes * chunks];
            double full = 0.5 + r.nextDouble() / 2;
            for (int l = 0; l < real; l++) {
                for (int j = 0; j < chunks; j++) {
                    if (r.nextDouble() < full) {
                        masks[l * chunks + j] = r.nextLong() | 1;
                        work[l * chunks + j] = r.nextInt(6) == 0 ? 0 : r.nextInt(most);
                    }
                }
            }
            Isca2016Window w = new Isca2016Window(p, lanes);
            long heap = w.cycles(work, masks, chunks, passes, real, false);
            long fast = w.cycles(work, masks, chunks, passes, real, true);
            assertEquals(heap, fast, "case " + i + " " + p);
            // the same object again: the slots must be left empty after a window, whichever way it ended
            assertEquals(heap, w.cycles(work, masks, chunks, passes, real, true), "case " + i + " again");
            overflows += w.overflows;
            bucketed += w.overflows == 0 && real > p.nmPorts() ? 1 : 0;
        }
        assertTrue(bucketed > 1000 && overflows > 100, "both ways met: " + bucketed + ", " + overflows);
    }

    /**
     * {@link Isca2016WindowsSimd} (every window of a batch in its own vector lane, keys in ints,
     * the serve cycles of the last nmPorts requests instead of a queue) against the heap over
     * {@link NmQueue}, window by window: random profiles, up to 40 lanes and 12 chunks, batches
     * of every size up to W in one object (slots left over from a fuller batch are timed and not
     * counted), lanes with no effectual value, non-empty chunks with no work. A wrong event order,
     * wait, latency or left-over slot changes some batch's sum.
     */
    @Test
    void windowsTimedSideBySideEqualTheQueue() {
        org.junit.jupiter.api.Assumptions.assumeTrue(io.cnv2.Simd.enabled(), "needs the Vector API module");
        Random r = new Random(31);
        int crowded = 0;
        for (int i = 0; i < 600; i++) {
            Isca2016Profile p = randomProfile(r, 1, 64, 6, 4, 4);
            int lanes = 1 + r.nextInt(40);
            int real = 1 + r.nextInt(lanes);
            int chunks = 1 + r.nextInt(12);
            int passes = 1 + r.nextInt(4);
            assertTrue(Isca2016WindowsSimd.fits(p, real, chunks, passes));
            Isca2016WindowsSimd side = new Isca2016WindowsSimd(p, real, chunks);
            Isca2016Window heap = new Isca2016Window(p, lanes);
            long idle = real < lanes ? (long) chunks * p.emptyChunkCycles() : 0;
            for (int batch = 0; batch < 3; batch++) {
                int count = 1 + r.nextInt(Isca2016WindowsSimd.W);
                long expected = 0;
                for (int w = 0; w < count; w++) {
                    long[] work = new long[lanes * chunks];
                    long[] masks = new long[lanes * chunks];
                    double full = r.nextDouble();
                    int reading = 0;
                    for (int l = 0; l < real; l++) {
                        boolean reads = r.nextInt(4) != 0;
                        reading += reads && full > 0 ? 1 : 0;
                        for (int j = 0; j < chunks; j++) {
                            if (reads && r.nextDouble() < full) {
                                masks[l * chunks + j] = r.nextLong() | 1;
                                work[l * chunks + j] = r.nextInt(6) == 0 ? 0
                                        : (long) (1 + r.nextInt(p.chunkValues())) * passes;
                            }
                            side.put(w, l, j, work[l * chunks + j], masks[l * chunks + j] != 0);
                        }
                    }
                    crowded += reading > p.nmPorts() ? 1 : 0;
                    expected += heap.cycles(work, masks, chunks, passes, real, false);
                }
                assertEquals(expected, side.cycles(count, p.pipelineLatency() * passes, idle),
                        "case " + i + " batch " + batch + " " + p + " lanes " + lanes + " real " + real);
            }
        }
        assertTrue(crowded > 3000, "windows with more reading lanes than ports: " + crowded);
    }

    /** Keys that would not fit in an int send the layer to the scalar timer. */
    @Test
    void windowsTooLongForIntKeysAreNotTimedSideBySide() {
        org.junit.jupiter.api.Assumptions.assumeTrue(io.cnv2.Simd.enabled(), "needs the Vector API module");
        Isca2016Profile p = Isca2016Profile.DEFAULT;
        assertTrue(Isca2016WindowsSimd.fits(p, 16, 18, 2));
        assertTrue(!Isca2016WindowsSimd.fits(p, 16, 40_000, 16));
        assertTrue(!Isca2016WindowsSimd.fits(p, 4096, 4096, 1));
    }

    /**
     * A random profile: chunkValues from {@code cv0} (of {@code cvs}), overheads from 2 (of
     * {@code overheads}), empty chunks 1 or more (of {@code empties}), latency 0 to 9, 1 or more
     * ports (of {@code ports}).
     */
    private static Isca2016Profile randomProfile(Random r, int cv0, int cvs, int overheads, int empties, int ports) {
        return new Isca2016Profile("channel-slices", "kx-ky-c", cv0 + r.nextInt(cvs), 2 + r.nextInt(overheads),
                1 + r.nextInt(empties), "inner", r.nextInt(10), 1 + r.nextInt(ports), "memory-tiles-lanes",
                "packed-256");
    }
}
