package io.pgnotify.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** CPU time of processes on this machine from {@code /proc/<pid>/stat}: server backends and this JVM. */
final class ProcessCpu {

    /** Linux's USER_HZ: {@code getconf CLK_TCK} is 100 on every common kernel. */
    private static final long NANOS_PER_TICK = 10_000_000L;

    private ProcessCpu() {}

    /** Nanoseconds of CPU so far: {publishing backend, sum of listening backends, this JVM}. */
    static long[] sample(long publisherPid, List<Long> listenerPids) {
        long listeners = 0;
        for (long pid : listenerPids) {
            listeners += nanos(Long.toString(pid));
        }
        return new long[] {nanos(Long.toString(publisherPid)), listeners, nanos("self")};
    }

    static long nanos(String pid) {
        try {
            String stat = Files.readString(Path.of("/proc", pid, "stat"));
            // The command name is in parentheses and may hold spaces: count fields after the last ')'.
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]); // utime, stime
            return ticks * NANOS_PER_TICK;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }
}
