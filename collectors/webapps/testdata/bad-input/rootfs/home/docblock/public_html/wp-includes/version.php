<?php
/**
 * Example:
 *   $wp_version = '9.9.9';
 */
 $wp_version = '1.2.3';
