package io.writebehind.spring.app;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;

/** A Spring Boot application with one write-behind entity ({@link Tally}): its package is the entity scan's. */
@SpringBootConfiguration
@EnableAutoConfiguration
public class TallyApplication {
}
