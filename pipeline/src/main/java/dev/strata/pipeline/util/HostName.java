package dev.strata.pipeline.util;

import java.io.IOException;
import java.net.InetAddress;

/** The name of the machine this JVM runs on, for records of who did what (trials, run locks). */
public final class HostName {
    private HostName() {
    }

    /** This host's name, or "unknown" where the system cannot tell it. */
    public static String get() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException ex) {
            return "unknown";
        }
    }
}
