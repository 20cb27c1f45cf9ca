package dev.strata.jobs.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.strata.pipeline.StrataException;
import org.junit.jupiter.api.Test;

class MasterUrlTest {
    @Test
    void acceptsWhatSparkAccepts() {
        for (String url : new String[] {"local", "local[1]", "local[16]", "local[*]", "local[2,3]", "local[*, 4]",
            "local-cluster[2,1,1024]", "spark://host:7077", "spark://a:7077,b.example.com:7078", "yarn",
            "k8s://https://10.0.0.1:6443"}) {
            assertEquals(url, MasterUrl.check(url, "--master"));
        }
    }

    @Test
    void refusesTheRestNamingTheOption() {
        for (String url : new String[] {"garbage", "", "local[0]", "local[]", "local[x]", "local[2", "locals",
            "local-cluster[2,1]", "spark://host", "spark://:7077", "yarn-cluster", "k8s://", "mesos://h:5050"}) {
            StrataException ex = assertThrows(StrataException.class, () -> MasterUrl.check(url, "--master"), url);
            assertEquals("--master '" + url + "' is not a Spark master URL (expected " + MasterUrl.EXPECTED + ")",
                    ex.getMessage());
        }
    }
}
