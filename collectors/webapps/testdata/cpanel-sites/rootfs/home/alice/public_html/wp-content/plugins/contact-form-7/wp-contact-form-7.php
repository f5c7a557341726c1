<?php
/*
 * Plugin Name: Contact Form 7
 * Plugin URI: https://contactform7.com/
 * Description: Just another contact form plugin. Simple but flexible.
 * Author: Takayuki Miyoshi
 * Text Domain: contact-form-7
 * Domain Path: /languages/
 * Version: 5.9.8
 * Requires at least: 6.4
 * Requires PHP: 7.4
 */
