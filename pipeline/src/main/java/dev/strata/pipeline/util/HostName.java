package dev.strata.pipeline.util;

import java.io.IOException;
import java.net.InetAddress;

/** The name of the machine this JVM runs on, for records of who did what (trials, run locks). */
public final class HostName {
    private static volatile String name;

    private HostName() {
    }

    /** This host's name, or "unknown" where the system cannot tell it; looked up once (it may ask DNS). */
    public static String get() {
        if (name == null) {
            try {
                name = InetAddress.getLocalHost().getHostName();
            } catch (IOException ex) {
                name = "unknown";
            }
        }
        return name;
    }
}
