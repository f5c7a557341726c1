<?php
/**
 * @package Akismet
 */
/*
Plugin Name: Akismet Anti-spam: Spam Protection
Plugin URI: https://akismet.com/
Version: 5.3.5
Requires at least: 5.8
Requires PHP: 5.6.20
Author: Automattic - Anti-spam Team
License: GPLv2 or later
Text Domain: akismet
*/
