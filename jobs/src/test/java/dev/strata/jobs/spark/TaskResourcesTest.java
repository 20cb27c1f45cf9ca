package dev.strata.jobs.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.Device;
import java.util.Map;
import org.apache.spark.resource.ResourceInformation;
import org.junit.jupiter.api.Test;

class TaskResourcesTest {
    @Test
    void aTaskUsesTheGpuSparkAssignedItElseTheCpu() {
        assertEquals(Device.gpu(3), TaskResources.deviceFor(Map.of("gpu", new ResourceInformation("gpu", new String[] {"3"}))));
        assertEquals(Device.gpu(0), TaskResources.deviceFor(Map.of("gpu", new ResourceInformation("gpu", new String[] {"0", "1"}))));
        assertEquals(Device.cpu(), TaskResources.deviceFor(Map.of()));
        assertEquals(Device.cpu(), TaskResources.deviceFor(Map.of("fpga", new ResourceInformation("fpga", new String[] {"0"}))));
        assertEquals(Device.cpu(), TaskResources.device(), "outside a task: the CPU");
    }
}
