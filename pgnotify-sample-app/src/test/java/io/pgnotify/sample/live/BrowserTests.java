package io.pgnotify.sample.live;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.pgnotify.sample.SampleAppTest;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The page in a headless Chromium: notifications published from its form and from SQL appear live, and the listener's
 * health shows UP. Needs the Debian packages {@code chromium} and {@code chromium-driver}; skipped without them.
 * Leaves a screenshot in {@code target/screenshots/sample-app.png}.
 */
@SampleAppTest
class BrowserTests {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

    @LocalServerPort
    int port;

    @Autowired
    JdbcClient jdbc;

    private WebDriver browser;
    private WebDriverWait wait;

    @BeforeAll
    static void requireChromium() {
        assumeTrue(
                Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "Chromium is not installed: apt-get install chromium chromium-driver");
    }

    @BeforeEach
    void openBrowser(@TempDir Path profile) {
        // Both paths given, so Selenium Manager has nothing to look up or download.
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .build();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments(
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--window-size=1400,1200",
                "--user-data-dir=" + profile.toAbsolutePath());
        browser = new ChromeDriver(service, options);
        wait = new WebDriverWait(browser, Duration.ofSeconds(20));
    }

    @AfterEach
    void closeBrowser() {
        if (browser != null) {
            browser.quit();
        }
    }

    @Test
    void notificationsFromThePageAndFromSqlAppearLiveAndTheListenerIsHealthy() throws IOException {
        browser.get("http://localhost:" + port + "/");
        wait.until(ExpectedConditions.textToBe(By.id("stream-status"), "connected"));

        String fromPage = "from the page " + UUID.randomUUID();
        WebElement channel = browser.findElement(By.id("channel"));
        channel.clear();
        channel.sendKeys("events");
        WebElement payload = browser.findElement(By.id("payload"));
        payload.clear();
        payload.sendKeys(fromPage);
        browser.findElement(By.id("publish")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("feed"), fromPage));

        String fromSql = "from SQL " + UUID.randomUUID();
        jdbc.sql("SELECT pg_notify('events', ?)").param(fromSql).query().singleRow();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("feed"), fromSql));

        wait.until(ExpectedConditions.textToBe(By.id("health-status"), "UP"));
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("health-details"), "LISTENING"));
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("state"), "greeting"));

        Path screenshot = Path.of("target", "screenshots", "sample-app.png");
        Files.createDirectories(screenshot.getParent());
        File taken = ((ChromeDriver) browser).getScreenshotAs(OutputType.FILE);
        Files.copy(taken.toPath(), screenshot, StandardCopyOption.REPLACE_EXISTING);
    }
}
