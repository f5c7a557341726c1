<?php

/**
 * Minimal stand-in for Drupal's core/lib/Drupal.php, written for demarc's tests.
 */
class Drupal {

  /**
   * The current system version.
   */
  const VERSION = '10.3.6';

  const CORE_MINIMUM_SCHEMA_VERSION = 8000;
}
