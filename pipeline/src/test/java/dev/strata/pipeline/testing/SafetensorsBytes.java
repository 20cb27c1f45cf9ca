package dev.strata.pipeline.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes safetensors files byte by byte, independently of the production writer, good or deliberately bad. */
public final class SafetensorsBytes {
    private SafetensorsBytes() {
    }

    /** A file: 8-byte length (as given), the header text, then the data bytes. */
    public static Path write(Path file, long declaredHeaderLength, String header, byte[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(declaredHeaderLength).array());
        out.write(header.getBytes(StandardCharsets.UTF_8));
        out.write(data);
        Files.write(file, out.toByteArray());
        return file;
    }

    /** A well-formed file with this header and data. */
    public static Path write(Path file, String header, byte[] data) throws IOException {
        return write(file, header.getBytes(StandardCharsets.UTF_8).length, header, data);
    }
}
